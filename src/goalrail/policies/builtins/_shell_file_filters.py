"""Programs whose first operand is a program text rather than a file, and in-place editors the
file tables do not know: which of their words they read and write (``_shell_file_effects``).

* ``jq``, ``gojq``, ``jaq``, ``yq``: the filter is the first operand unless it comes from a file
  (``-f``, ``--from-file``, ``-rf``: every operand read, the filter's file among them, whose text
  jq's error messages print) or from ``--expression E``; ``--arg N V`` and ``--argjson N V``
  name no file, ``--slurpfile N F`` and ``--rawfile N F`` read F, and after ``--args`` or
  ``--jsonargs`` the remaining operands are strings.  The others are input files, read; ``yq -i``
  (``--inplace``, ``--in-place``) writes them too.  So ``jq -r '.env.NODE_ENV' config.json``
  reads ``config.json`` only, and ``yq -i '.hooks = {}' ~/.claude/settings.json`` writes it.
* ``sd FIND REPLACE F…`` rewrites each F (unless ``-p``/``--preview``).
* ``crudini --set|--del|--merge F …`` writes F (``--get`` reads it).
* ``xmlstarlet ed -L`` (``--inplace``) writes its last operand; ``json -I -f F`` (``--in-place``)
  and ``dasel put|delete -f F`` write F.
* ``python -m MODULE``: the standard library's tools that write files (``json.tool IN OUT``,
  ``zipfile``/``tarfile -e ARCHIVE DIR`` and ``-c ARCHIVE …``, ``gzip F``), read by
  :func:`run_module`; each word is read as before.

Where an option's value is not known the reading errs toward files: a word taken for a filter
when a filter file was given is read as a file, never the other way round.
"""

from __future__ import annotations

from collections.abc import Container

from goalrail.policies.builtins._shell_file_formatters import FORMAT_HANDLERS
from goalrail.policies.builtins._shell_file_programs import READ, WRITE, Adds
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._shell_words import indexed_operands

__all__ = ["FILTER_HANDLERS", "made_venv", "run_module"]

#: options naming a value and then another (``--arg NAME VALUE``); the second read as a file for some
_TWO = frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile"})
_TWO_READ = frozenset({"--slurpfile", "--rawfile"})
#: options taking the next word (jq's and both yq's)
_ONE = frozenset(
    {"-L", "--library-path", "--indent", "-I", "-o", "--output-format", "-p", "--input-format", "--expression"}
    | {"--front-matter", "--split-exp", "--xml-attribute-prefix", "--xml-content-name"}
)
_YQ_COMMANDS = frozenset({"e", "eval", "ea", "eval-all"})


def _jq(line: Adds, words: list[Word], base: str | None, yq: bool = False) -> None:
    ops: list[Word] = []
    in_place = strings = from_file = False
    i = 0
    while i < len(words):
        text, dyn = words[i]
        name = text.partition("=")[0] if text.startswith("--") else text
        if text == "--" and not dyn:
            ops += words[i + 1 :]
            break
        if dyn or not text.startswith("-") or text == "-":
            ops.append(words[i])
        elif name in _TWO and "=" not in text:
            if name in _TWO_READ and i + 2 < len(words):
                line.add(READ, words[i + 2], base=base)
            i += 2
        elif name in _ONE:
            from_file |= name == "--expression"
            i += "=" not in text
        else:
            short = "" if text.startswith("--") else text[1:]
            strings |= name in ("--args", "--jsonargs")
            from_file |= name == "--from-file" or "f" in short
            in_place |= name in ("--inplace", "--in-place") or "i" in short
        i += 1
    if yq and ops and ops[0] in ((c, False) for c in _YQ_COMMANDS):
        ops = ops[1:]
    if not from_file:
        ops = ops[1:]  # (the filter)
    for w in ops[: int(from_file)] if strings else ops:  # (after `--args`: strings, a filter's file first)
        line.add(READ, w, base=base)
        if yq and in_place:
            line.add(WRITE, w, base=base)


def _yq(line: Adds, words: list[Word], base: str | None) -> None:
    _jq(line, words, base, yq=True)


def _operands(words: list[Word], valued: Container[str] = ()) -> list[Word]:
    """The operands among ``words`` (``_shell_words.indexed_operands``: ``valued`` options take the next word)."""
    return [words[i] for i, _ in indexed_operands((t for t, _ in words), valued)]


def _sd(line: Adds, words: list[Word], base: str | None) -> None:
    preview = any(not d and t in ("-p", "--preview") for t, d in words)
    for w in _operands(words, ("-n", "--max-replacements", "-f", "--flags"))[2:]:
        line.add(READ, w, base=base)
        if not preview:
            line.add(WRITE, w, base=base)


def _crudini(line: Adds, words: list[Word], base: str | None) -> None:
    ops = _operands(words)
    if ops:
        line.add(READ, ops[0], base=base)
        if any(not d and t.partition("=")[0] in ("--set", "--del", "--merge") for t, d in words):
            line.add(WRITE, ops[0], base=base)


def _xmlstarlet(line: Adds, words: list[Word], base: str | None) -> None:
    if words and words[0][0] in ("ed", "edit") and any(t in ("-L", "--inplace") for t, d in words if not d):
        line.add(READ, words[-1], base=base)
        line.add(WRITE, words[-1], base=base)
    else:
        for w in _operands(words[1:])[-1:]:
            line.add(READ, w, base=base)


def _given(words: list[Word], options: tuple[str, ...]) -> list[Word]:
    """The values of ``options`` (``-f F``, ``--file=F``) among ``words``."""
    found = [words[i + 1] for i, (t, d) in enumerate(words[:-1]) if not d and t in options]
    return found + [(t.partition("=")[2], d) for t, d in words if t.partition("=")[0] in options and "=" in t]


def _json_tool(line: Adds, words: list[Word], base: str | None) -> None:
    in_place = any(not d and t in ("-I", "--in-place") for t, d in words)
    for w in _given(words, ("-f", "--file")):
        line.add(READ, w, base=base)
        if in_place:
            line.add(WRITE, w, base=base)


def _dasel(line: Adds, words: list[Word], base: str | None) -> None:
    changes = bool(words) and words[0] in (("put", False), ("delete", False))
    for w in _given(words, ("-f", "--file")):
        line.add(READ, w, base=base)
        if changes and not _given(words, ("-o", "--out")):
            line.add(WRITE, w, base=base)
    for w in _given(words, ("-o", "--out")):
        line.add(WRITE, w, base=base)


FILTER_HANDLERS = {
    "json": _json_tool,
    "dasel": _dasel,
    "jq": _jq,
    "gojq": _jq,
    "jaq": _jq,
    "yq": _yq,
    "sd": _sd,
    "crudini": _crudini,
    "xmlstarlet": _xmlstarlet,
}

#: ``python -m`` modules whose command line writes files
MODULES = frozenset({"json.tool", "zipfile", "tarfile", "gzip", "venv", "virtualenv"})
#: ``venv``'s, ``virtualenv``'s and ``uv venv``'s options that take a value
_VENV_VALUED = ("--prompt", "-p", "--python", "--seed", "--activators", "--extra-search-dir", "--index-url")


def made_venv(line: Adds, words: list[Word], base: str | None) -> None:
    """``python -m venv DIR…``, ``virtualenv DIR``, ``uv venv DIR``: each DIR written, a tree made there."""
    for w in _operands(words, _VENV_VALUED):
        line.add(WRITE, w, tree=True, base=base)


FILTER_HANDLERS["virtualenv"] = made_venv
FILTER_HANDLERS.update(FORMAT_HANDLERS)  # (formatters rewriting their files in place)


def run_module(line: Adds, module: str, words: list[Word], base: str | None) -> None:
    """What ``python -m MODULE WORDS`` writes, for a module of :data:`MODULES`."""
    ops = _operands(words, ("--indent", "--filter"))  # (json.tool's indent, tarfile's extraction filter)
    given = {t.partition("=")[0] for t, d in words if not d and t.startswith("-")}
    if module in ("venv", "virtualenv"):
        made_venv(line, words, base)
    elif module == "json.tool":
        for w in ops[1:2]:  # `json.tool IN OUT`
            line.add(WRITE, w, base=base)
    elif module == "gzip":
        for text, dyn in ops:
            unzipped = given & {"-d", "--decompress"}
            line.add(WRITE, (text.removesuffix(".gz") if unzipped else f"{text}.gz", dyn), base=base)
    elif given & {"-e", "--extract"}:  # zipfile/tarfile: into the directory named, else here
        for w in ops[1:2] or [(".", False)]:
            line.add(WRITE, w, tree=True, base=base)
    elif given & {"-c", "--create"}:
        for w in ops[:1]:
            line.add(WRITE, w, base=base)
