"""Compilers, linkers and bundlers that write where an option tells them, for ``_shell_file_effects``:

* a file: ``gcc``/``g++``/``cc``/``clang``/``tcc``, ``ld``, ``as``, ``nasm``, ``rustc`` ``-o F``
  (also ``-oF``), ``go build|test -o F``, ``zig build-exe -femit-bin=F``, ``tsc --outFile F``,
  ``esbuild --outfile=F``, ``rollup -o|--file F``, ``babel``/``swc -o|--out-file F``;
* a directory, every file beneath it written: ``javac -d DIR``, ``kotlinc -d DIR``, ``rustc
  --out-dir DIR``, ``tsc --outDir DIR``, ``esbuild --outdir=DIR``, ``webpack -o|--output-path DIR``,
  ``rollup -d|--dir DIR``, ``babel``/``swc -d|--out-dir DIR``, ``pyinstaller --distpath|--workpath
  DIR``.

(HTTPie's ``-o F`` and the transfer tools' local destinations, ``rclone copy remote:x DIR``, are
``_shell_file_senders``'.)

Every other word is handed to the program, as an unknown program's are (``_pattern_handed``).
"""

from __future__ import annotations

from collections.abc import Callable

from goalrail.policies.builtins._shell_file_programs import WRITE, Adds
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["BUILD_HANDLERS"]

_CC = names("-o")
#: program → (options naming a file written, options naming a directory written)
_OUTPUTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    **dict.fromkeys(names("gcc g++ cc c++ clang clang++ tcc icc icx gfortran"), (_CC, frozenset())),
    **dict.fromkeys(names("ld ld.lld ld.gold ld.bfd lld as nasm yasm"), (_CC, frozenset())),
    "rustc": (_CC, names("--out-dir")),
    "javac": (frozenset(), names("-d -h -s")),
    "kotlinc": (frozenset(), names("-d")),
    "tsc": (names("--outFile --out"), names("--outDir --declarationDir")),
    "esbuild": (names("--outfile"), names("--outdir")),
    "webpack": (frozenset(), names("-o --output-path")),
    "rollup": (names("-o --file"), names("-d --dir")),
    **dict.fromkeys(names("babel swc"), (names("-o --out-file"), names("-d --out-dir"))),
    "pyinstaller": (frozenset(), names("--distpath --workpath --specpath")),
}
#: ``go``'s subcommands whose ``-o`` is their output
_GO_BUILDS = names("build test install")


def _option_values(words: list[Word], options: frozenset[str]) -> list[Word]:
    """The values ``words`` give ``options``: ``-o F``, ``--out=F``, ``-oF`` (a one-letter option's
    attached value)."""
    out: list[Word] = []
    for k, (text, dyn) in enumerate(words):
        if dyn and not text.startswith("-"):
            continue
        key, eq, value = text.partition("=")
        if key in options and eq:
            out.append((value, dyn))
        elif text in options and k + 1 < len(words):
            out.append(words[k + 1])
        elif len(text) > 2 and text[:2] in options and text[1] != "-":  # (`-oout.bin`)
            out.append((text[2:], dyn))
    return out


def _named(word: Word) -> bool:
    """Whether an output word names a file here: not the standard output (``-o -``) nor a build
    tool's variable alone (``-o $out`` in a ninja rule, ``-o $@`` in a make rule: the target it
    builds), while ``-o $HOME/.bashrc`` is a path."""
    text, dyn = word
    return text != "-" and (not dyn or "/" in text)


def _outputs(name: str) -> Callable[[Adds, list[Word], str | None], None]:
    files, dirs = _OUTPUTS[name]

    def writes(line: Adds, words: list[Word], base: str | None) -> None:
        for w in _option_values(words, files):
            if _named(w):
                line.add(WRITE, w, base=base)
        for w in _option_values(words, dirs):
            if _named(w):
                line.add(WRITE, w, tree=True, base=base)
        line.hand(name, words, base)

    return writes


def _go(line: Adds, words: list[Word], base: str | None) -> None:
    if words and words[0][0] in _GO_BUILDS:
        for w in filter(_named, _option_values(words[1:], _CC)):
            line.add(WRITE, w, tree=w[0].endswith("/"), base=base)
    line.hand("go", words, base)


def _zig(line: Adds, words: list[Word], base: str | None) -> None:
    for text, dyn in words:
        if text.startswith("-femit-bin=") or text.startswith("-femit-h=") or text.startswith("-femit-docs="):
            line.add(WRITE, (text.partition("=")[2], dyn), base=base)
    line.hand("zig", words, base)


#: each program's handler: (line, its words after the name, the directory it runs in)
BUILD_HANDLERS: dict[str, Callable[[Adds, list[Word], str | None], None]] = {
    **{name: _outputs(name) for name in _OUTPUTS},
    "go": _go,
    "zig": _zig,
}
