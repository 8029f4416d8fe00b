"""The files interpreter code deletes or writes, read from its calls (``python -c``, ``node -e``,
``perl -e``, ``ruby -e``, ``php -r``, ``deno eval``, ``bun -e``, a here-document fed to one).

One table per language of the calls that delete or write a file and which argument names it:

* Python: ``shutil.rmtree`` (the tree), ``os.remove``/``unlink``/``rmdir``/``removedirs``,
  ``Path(p).unlink()``/``.rmdir()``/``.write_text()``/``.write_bytes()``/``.touch()``,
  ``open(p, "w")`` (any mode with ``w``, ``a``, ``x`` or ``+``), ``shutil.copy*``/``move``,
  ``os.rename``/``replace``/``truncate``, archives unpacked (``shutil.unpack_archive(a, DIR)``,
  ``….extractall(DIR)``, ``….extract(member, DIR)``: the tree under ``DIR``);
* JavaScript (node, bun, deno, tsx): ``fs.rmSync``/``rm``/``rmdirSync``/``rmdir`` (the tree with
  ``recursive: true``), ``unlinkSync``/``unlink``, ``Deno.remove[Sync]``, ``writeFile[Sync]``,
  ``appendFile[Sync]``, ``createWriteStream``, ``truncate[Sync]``, ``Deno.writeTextFile``,
  ``Bun.write``, ``copyFile[Sync]``/``cp[Sync]``/``rename[Sync]`` (their destination), adm-zip's
  ``extractAllTo(DIR)``/``extractEntryTo(e, DIR)``;
* Perl: ``rmtree``/``remove_tree`` (the tree), ``unlink``, ``rmdir``, ``open`` for writing
  (``open(F, ">", p)``, ``open(F, ">p")``), File::Copy's ``copy``/``move``;
* Ruby: ``FileUtils.rm_rf``/``rm_r``/``remove_dir``/``remove_entry``/``rmtree`` (the tree),
  ``FileUtils.rm``/``rm_f``/``remove_file``/``rmdir``, ``File.delete``/``unlink``,
  ``Dir.delete``/``rmdir``, ``File.write``, ``File.open(p, "w")``, ``FileUtils.cp``/``mv``/``touch``;
* PHP: ``unlink``, ``rmdir``, ``file_put_contents``, ``fopen(p, "w")``, ``copy``, ``rename``,
  ``ZipArchive->extractTo(DIR)``.

The argument is a path when it is one string literal (``'/etc'``, ``Path('/etc')``); anything
else (``process.env.HOME``, ``os.path.expanduser('~')``, a variable, a concatenation, an
f-string or an interpolating string) names a file known only at run time: ``None``.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["code_files"]

DELETE, WRITE = "file_delete", "file_write"
#: (action, the path or None when known only at run time, the tree under it too)
CodeFile = tuple[str, str | None, bool]

_REC_OPT = "opt"  # the tree only with an option (`{recursive: true}`, `recursive=True`)
#: per language: (callee before `(`, action, argument index, recursive: True / False / _REC_OPT)
_Spec = tuple[re.Pattern[str], str, int, object]


def _specs(*rows: tuple[str, str, int, object]) -> tuple[_Spec, ...]:
    return tuple((re.compile(rx), kind, arg, rec) for rx, kind, arg, rec in rows)


_NOT_MEMBER = r"(?<![\w$.])"
_PY = _specs(
    (r"\b(?:shutil\s*\.\s*)?rmtree\s*\(", DELETE, 0, True),
    (rf"(?:\bos\s*\.\s*|{_NOT_MEMBER})(?:remove|unlink|rmdir|removedirs)\s*\(", DELETE, 0, False),
    (r"\bos\s*\.\s*(?:rename|renames|replace)\s*\(", DELETE, 0, False),
    (r"\bos\s*\.\s*(?:rename|renames|replace)\s*\(", WRITE, 1, False),
    (r"\bos\s*\.\s*truncate\s*\(", WRITE, 0, False),
    (r"\bshutil\s*\.\s*(?:copy\w*|move)\s*\(", WRITE, 1, False),
    (r"\bshutil\s*\.\s*move\s*\(", DELETE, 0, False),
    (r"\bunpack_archive\s*\(", WRITE, 1, True),
    (r"\.\s*extractall\s*\(", WRITE, 0, True),
    (r"\.\s*extract\s*\(", WRITE, 1, True),
)
_JS = _specs(
    (rf"(?:\.\s*|{_NOT_MEMBER})(?:rmSync|rm|rmdirSync|rmdir|removeSync|remove)\s*\(", DELETE, 0, _REC_OPT),
    (rf"(?:\.\s*|{_NOT_MEMBER})(?:unlinkSync|unlink)\s*\(", DELETE, 0, False),
    (
        rf"(?:\.\s*|{_NOT_MEMBER})(?:writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|truncateSync"
        r"|truncate|writeTextFileSync|writeTextFile|outputFileSync|outputFile)\s*\(",
        WRITE,
        0,
        False,
    ),
    (r"\bBun\s*\.\s*write\s*\(", WRITE, 0, False),
    (rf"(?:\.\s*|{_NOT_MEMBER})(?:copyFileSync|copyFile|cpSync|cp|renameSync|rename)\s*\(", WRITE, 1, False),
    (rf"(?:\.\s*|{_NOT_MEMBER})(?:renameSync|rename)\s*\(", DELETE, 0, False),
    (r"\.\s*extractAllTo\s*\(", WRITE, 0, True),
    (r"\.\s*extractEntryTo\s*\(", WRITE, 1, True),
)
_PERL = _specs(
    (r"\b(?:rmtree|remove_tree)\b\s*\(?", DELETE, 0, True),
    (r"\b(?:unlink|rmdir)\b\s*\(?", DELETE, 0, False),
    (r"\b(?:copy|move|cp|mv)\s*\(", WRITE, 1, False),
)
_RUBY = _specs(
    (r"\bFileUtils\s*\.\s*(?:rm_rf|rm_r|remove_dir|remove_entry_secure|remove_entry|rmtree)\b\s*\(?", DELETE, 0, True),
    (r"\bFileUtils\s*\.\s*(?:rm|rm_f|remove|remove_file|rmdir|safe_unlink)\b\s*\(?", DELETE, 0, False),
    (r"\b(?:File|Dir)\s*\.\s*(?:delete|unlink|rmdir)\b\s*\(?", DELETE, 0, False),
    (r"\bFile\s*\.\s*(?:write|binwrite)\b\s*\(?", WRITE, 0, False),
    (r"\bFileUtils\s*\.\s*(?:touch)\b\s*\(?", WRITE, 0, False),
    (r"\bFileUtils\s*\.\s*(?:cp|cp_r|copy|copy_file|mv|move|install|ln_s|ln_sf)\b\s*\(?", WRITE, 1, False),
    (r"\bFileUtils\s*\.\s*(?:mv|move)\b\s*\(?", DELETE, 0, False),
)
_PHP = _specs(
    (rf"{_NOT_MEMBER}(?:unlink|rmdir)\s*\(", DELETE, 0, False),
    (rf"{_NOT_MEMBER}file_put_contents\s*\(", WRITE, 0, False),
    (rf"{_NOT_MEMBER}(?:copy|rename)\s*\(", WRITE, 1, False),
    (rf"{_NOT_MEMBER}rename\s*\(", DELETE, 0, False),
    (r"->\s*extractTo\s*\(", WRITE, 0, True),
)
_FAMILIES = {
    **dict.fromkeys(("python", "pypy", "ipython"), ("py", _PY)),
    **dict.fromkeys(("node", "nodejs", "bun", "deno", "tsx", "ts-node"), ("js", _JS)),
    "perl": ("perl", _PERL),
    "ruby": ("ruby", _RUBY),
    "php": ("php", _PHP),
}
#: calls whose path is the argument of a `Path(…)` before them: `Path('/x').unlink()`
_PATH_METHOD = re.compile(
    r"\b(?:pathlib\s*\.\s*)?(?:Pure\w*)?Path\s*\((?P<arg>[^()]*)\)\s*\.\s*"
    r"(?P<op>unlink|rmdir|write_text|write_bytes|touch)\s*\("
)
#: a method call of those names on any receiver; the receiver is read backwards from the dot
#: (:func:`_receiver`): a pattern starting with it was quadratic in a long run of word characters
_METHOD = re.compile(r"\.\s*(?P<op>unlink|rmdir|write_text|write_bytes|touch)\s*\(")
_RECEIVER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_)]")
#: calls that open a file, and the index of their mode argument
_OPENS = {
    "py": re.compile(r"(?<![\w.])(?:io\s*\.\s*|codecs\s*\.\s*)?open\s*\("),
    "ruby": re.compile(r"\bFile\s*\.\s*open\s*\(?"),
    "php": re.compile(rf"{_NOT_MEMBER}fopen\s*\("),
}
_PERL_OPEN = re.compile(r"\bopen\s*\(?")
_WRITE_MODE = re.compile(r"[wax+]")
_RECURSIVE = re.compile(r"\brecursive\s*[:=]\s*(?:true|True|1)\b")
_STRING = re.compile(r"""^[rbRB]?(?:'([^'\\]*)'|"([^"\\]*)"|`([^`\\$]*)`)$""")
_PATH_CALL = re.compile(r"^(?:pathlib\s*\.\s*)?(?:Pure\w*)?Path\s*\((.*)\)$|^Pathname\s*\.\s*new\s*\((.*)\)$")
#: a Python keyword argument's name (``path=``, not ``==``)
_KEYWORD = re.compile(r"^[A-Za-z_]\w*\s*=(?!=)\s*")
_MAX_ARGS_TEXT = 4096
#: characters of call arguments read per code text: past them, a file known only at run time (each
#: call's arguments are read up to ``_MAX_ARGS_TEXT`` on, so 8,000 unclosed ``open(`` took 16 s)
_MAX_READ = 65_536


class _Budget:
    """What is left of a code text's ``_MAX_READ``."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = _MAX_READ

    def take(self) -> bool:
        return self.left > 0


def _arguments(code: str, start: int, paren: bool, budget: _Budget) -> list[str]:
    """The arguments of the call whose text starts at ``start`` (after its ``(``, or after the
    callee for a call without one: up to ``;``, a newline or a block's ``}``/``do``)."""
    args: list[str] = []
    depth, quote, begin = 0, "", start
    i, end = start, min(len(code), start + _MAX_ARGS_TEXT)
    while i < end:
        ch = code[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif ch == "," and depth == 0:
            args.append(code[begin:i].strip())
            begin = i + 1
        elif depth == 0 and not paren and ch in ";\n":
            break
        i += 1
    budget.left -= i - start
    last = code[begin:i].strip()
    if last or args:
        args.append(last)
    return args


def _literal(arg: str, family: str) -> str | None:
    """The path ``arg`` spells when it is one string literal; None when it is known at run time."""
    arg = arg.strip()
    if family == "py" and (kw := _KEYWORD.match(arg)) is not None:  # `extractall(path='/x')`
        arg = arg[kw.end() :]
    if family == "perl" and arg.startswith(("my ", "$", "@")):
        return None
    inner = _PATH_CALL.match(arg)
    if inner is not None:
        arg = (inner.group(1) or inner.group(2) or "").strip()
    m = _STRING.match(arg)
    if m is None:
        return None
    text = next(g for g in m.groups() if g is not None)
    double = arg[-1] == '"'
    if double and family in ("perl", "php") and ("$" in text or "@" in text):
        return None  # (an interpolating string)
    if double and family == "ruby" and "#{" in text:
        return None
    return text or None


def _opens(code: str, family: str, budget: _Budget) -> list[CodeFile]:
    """``open(p, "w")``, ``File.open(p, "a")``, ``fopen(p, "w")``, ``open(F, ">", p)``, ``open(F, ">p")``."""
    out: list[CodeFile] = []
    if family == "perl":
        for m in _PERL_OPEN.finditer(code):
            if not budget.take():
                out.append((WRITE, None, False))
                break
            args = _arguments(code, m.end(), m.group(0).endswith("("), budget)
            mode = _literal(args[1], family) if len(args) > 1 else None
            if len(args) >= 3 and mode is not None and mode.strip().startswith((">", "+")):
                out.append((WRITE, _literal(args[2], family), False))
            elif len(args) == 2 and mode is not None and mode.lstrip().startswith((">", "+<")):
                out.append((WRITE, mode.lstrip("+<> ") or None, False))
            elif len(args) == 2 and mode is None and not args[1].strip().startswith(("'", '"')):
                out.append((WRITE, None, False))  # (a mode known only at run time)
        return out
    rx = _OPENS.get(family)
    for m in rx.finditer(code) if rx is not None else ():
        if not budget.take():
            out.append((WRITE, None, False))
            break
        args = _arguments(code, m.end(), m.group(0).endswith("("), budget)
        modes = [
            a.partition("=")[2] if a.startswith("mode") else a
            for a in args[1:2] + [a for a in args if a.startswith("mode")]
        ]
        for mode_text in modes:
            mode = _literal(mode_text, family)
            if mode is None or _WRITE_MODE.search(mode):
                out.append((WRITE, _literal(args[0], family), False))
                break
    return out


def _receiver(code: str, dot: int) -> str:
    """The word, ``)`` or ``]`` characters before ``code[dot]`` (blanks between them skipped)."""
    end = dot
    while end > 0 and code[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and (code[start - 1] in _RECEIVER_CHARS or code[start - 1].isalnum()):
        start -= 1
    return code[start:end]


@lru_cache(maxsize=512)
def code_files(prog: str, code: str) -> tuple[CodeFile, ...]:
    """The files the code ``prog`` runs deletes or writes (see the module doc), in the order met."""
    family_specs = _FAMILIES.get(prog)
    if family_specs is None:
        return ()
    family, specs = family_specs
    out: list[CodeFile] = []
    budget = _Budget()
    for rx, kind, index, recursive in specs:
        for m in rx.finditer(code):
            if not budget.take():
                out.append((kind, None, False))
                break
            args = _arguments(code, m.end(), m.group(0).rstrip().endswith("("), budget)
            if index >= len(args):
                continue
            tree = recursive is True or (recursive == _REC_OPT and _RECURSIVE.search(", ".join(args[1:])) is not None)
            out.append((kind, _literal(args[index], family), tree))
    if family == "py":
        known: set[int] = set()
        for m in _PATH_METHOD.finditer(code):
            kind = DELETE if m.group("op") in ("unlink", "rmdir") else WRITE
            out.append((kind, _literal(m.group("arg"), family), False))
            known.add(m.start("op"))
        for m in _METHOD.finditer(code):  # `Path.home().rmdir()`, `p.unlink()`: a path known at run time
            recv = _receiver(code, m.start())
            if recv and m.start("op") not in known and recv != "os":
                out.append((DELETE if m.group("op") in ("unlink", "rmdir") else WRITE, None, False))
    out += _opens(code, family, budget)
    return tuple(dict.fromkeys(out))
