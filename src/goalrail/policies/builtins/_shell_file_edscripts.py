"""The files a line editor's script names, for ``_shell_file_effects``: ``ed``'s commands and
``ex``/``vim``'s (``-c CMD``, ``+CMD``, a script on stdin: a here-document, a here-string, an echo
piped in).

* ``w FILE``, ``W FILE`` (ed: appends), ``wq FILE``, vim's ``write [>>] FILE``, ``x FILE``,
  ``saveas FILE``, ``update FILE`` write ``FILE``; without a file they write the file being edited,
  which ``e FILE``/``edit FILE``/``f FILE``/``file FILE`` may have changed (``e ~/.bashrc`` then ``w``).
* ``r FILE``, ``read FILE``, ``e FILE``, ``edit FILE``, ``split FILE``, ``tabedit FILE``, ``source
  FILE`` read ``FILE``.
* ``w !cmd``, ``r !cmd`` run a command, judged as code already (``_interpreter_code``); text typed
  after ``a``, ``i``, ``c`` (ed's, ex's) up to a lone ``.`` is text, not commands.

The editors' operands are written already (``EDITORS``).  A line is read in one pass, word by word:
no regular expression runs over the script.
"""

from __future__ import annotations

from collections.abc import Iterator

from goalrail.policies.builtins._shell_file_programs import READ, WRITE
from goalrail.policies.builtins._shell_types import SimpleCommand, Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["EDITOR_SCRIPTS", "editor_files"]

#: the line editors and vi's family, whose scripts are read here
EDITOR_SCRIPTS = names("ed ex vim vi nvim view")
#: vim's options that start it as ex, reading its commands from stdin
_EX_MODE = names("-e -E -es -Es -s")
#: vim's and ed's commands by what they do with their file argument (full names and abbreviations)
_WRITES = names("w wr wri writ write W wq x xi xit exi exit sav save savea saveas up upd upda updat update")
_OPENS = names("e ed edi edit E f fi fil file")
_READS = names("r re rea read sp spl spli split vs vsp vspl vspli vsplit tabe tabed tabedi tabedit new vne vnew")
_READS |= names("so sou sour sourc source")
#: commands that start text input, ended by a lone `.`
_INPUT = names("a i c ap app appe appen append in ins inse inser insert ch cha chan chang change")
_GLOBALS = names("g gl glo glob globa global v vg vgl vglo vglob vgloba vglobal G V")
_BAR_ENDS = _GLOBALS | names("norm norma normal")
#: characters of an ed or ex address
_ADDRESS = frozenset("0123456789.$,;%+-")


def editor_files(cmd: SimpleCommand, name: str, words: list[Word], doc: Word | None) -> Iterator[tuple[str, Word]]:
    """(action, file) for each file the editor's commands name: its ``-c``/``--cmd``/``+`` values and,
    for ed and a silent ex (``ex -s``, ``vim -es``), its stdin (``doc``: a here-document or
    here-string; else the text piped into it)."""
    texts, current = _given(words)
    piped = doc if doc is not None else (cmd.stdin, False) if cmd.stdin and cmd.stdin[:1] != "\0" else None
    if piped is not None and (name == "ed" or name == "ex" or any(w[0] in _EX_MODE for w in words)):
        texts.append(piped)
    for text, dyn in texts:
        for kind, path in _commands(text, name in ("ed", "red")):
            if path is None:  # (`w` alone: the file being edited)
                yield from ((WRITE, w) for w in current)
            else:
                word = (path, dyn and "$" in path)
                if kind == "open":
                    current = [word]
                    kind = READ
                yield kind, word


def _given(words: list[Word]) -> tuple[list[Word], list[Word]]:
    """The commands the editor's words give it (``-c CMD``, ``-sc CMD``, ``--cmd CMD``, ``+CMD``) and
    the first file it edits."""
    code: list[Word] = []
    files: list[Word] = []
    take = False
    for text, dyn in words:
        if take:
            code.append((text, dyn))
            take = False
        elif text == "--cmd" or (text[:1] == "-" and text[1:2] != "-" and text.endswith("c") and text[1:].isalpha()):
            take = True  # (`-c CMD`, a cluster ending in it: `-sc CMD`, `-Nc CMD`)
        elif text[:1] == "+" and len(text) > 1:
            code.append((text[1:], dyn))
        elif not text.startswith("-") or dyn:
            files.append((text, dyn))
    return code, files[:1]


def _commands(text: str, ed: bool) -> Iterator[tuple[str, str | None]]:
    """(kind, file or None) of each command of ``text`` that names a file or writes the current one."""
    typing = False
    for raw in text.replace("\r", "\n").split("\n"):
        if typing:  # (text typed after `a`, `i`, `c`)
            typing = raw.strip() != "."
            continue
        for part in _parts(raw, ed):
            word, rest = _command(part)
            if word in _INPUT:
                typing = not rest.strip()  # (vim's `a` with text on the line is one line)
            elif word in _GLOBALS and rest[:1] and not rest[:1].isspace():  # `g/re/w F`: its command
                close = rest.find(rest[0], 1)
                yield from _commands(rest[close + 1 :], ed) if close > 0 else ()
            elif not _runs(word, rest):  # (`r !cmd`, `w !cmd`: a command run, judged as code)
                yield from _named(word, rest)


def _runs(word: str, rest: str) -> bool:
    """Whether the command hands its text to a shell command (``r !cmd``, ``r!cmd``, ``w !cmd``)
    rather than naming a file (``w! F``, ``e! F``: forced)."""
    if word in ("r", "re", "rea", "read") and rest.startswith("!"):
        return True
    return rest.removeprefix("!").lstrip().startswith("!")


def _parts(line: str, ed: bool) -> list[str]:
    """A line's commands: ex's ``|`` separates them (not after ``g``, ``normal``: the rest is theirs)."""
    if ed:
        return [line]
    parts: list[str] = []
    for piece in line.split("|"):
        if parts and _command(parts[-1])[0] in _BAR_ENDS:
            parts[-1] += "|" + piece
        else:
            parts.append(piece)
    return parts


def _command(part: str) -> tuple[str, str]:
    """A command's name (its leading letters, after ``:`` and an address) and what follows it."""
    i, n = 0, len(part)
    while i < n and (part[i] in " \t:" or part[i] in _ADDRESS):
        i += 1
    while i < n and part[i] in "/?'":  # (`/re/w F`, `'a,'bw F`: a pattern or a mark address)
        close = part.find(part[i], i + 1) if part[i] != "'" else i + 1
        i = (close + 1) if close >= 0 else n
        while i < n and (part[i] in " \t" or part[i] in _ADDRESS):
            i += 1
    start = i
    while i < n and part[i].isalpha():
        i += 1
    return part[start:i], part[i:]


def _named(word: str, rest: str) -> Iterator[tuple[str, str | None]]:
    if word not in _WRITES and word not in _OPENS and word not in _READS:
        return
    arg = rest.lstrip("!").strip()
    while arg.startswith("++"):  # (vim's `++enc=utf-8`, `++ff=unix`)
        arg = arg.partition(" ")[2].strip()
    arg = arg.removeprefix(">>").strip()
    if word in _WRITES:
        yield WRITE, arg or None
    elif arg:
        yield ("open" if word in _OPENS else READ), arg
