"""The files archive and package extractors write: each writes where it is told (a directory option
or operand), else in the directory it runs in, so ``unsquashfs -d ~/.claude img.sqfs`` is a write
of ``~/.claude`` (and of every file beneath it: a tree write) as ``unzip a.zip -d ~/.claude`` is.

* ``ar x|p|t|r|q|d ARCHIVE [MEMBER…]`` (``-x``, modifiers clustered, ``a``/``b``/``i``'s and ``N``'s
  words skipped; ``--output=DIR``): ``x`` writes the members named, else every member, here;
  ``r``/``q`` read the members and write the archive, ``d``/``m``/``s`` rewrite it; ``t``/``p`` write nothing;
* ``jar x`` (``xf JAR``, ``-xf JAR``, ``--extract --file=JAR``, ``-C DIR``/``--dir DIR``), ``jar c``/``u``
  (the files read, the jar written); ``jar t`` lists;
* ``unsquashfs [-d|-dest DIR] IMG [FILE…]`` (``./squashfs-root`` by default); ``-l``/``-ls``/``-s``… list;
* ``dpkg-deb -x|-X|-R|--extract|--vextract|--raw-extract DEB DIR``, ``-e|--control DEB [DIR]``
  (``./DEBIAN``), ``-b|--build DIR [DEB]``; ``dpkg -x DEB DIR`` hands them on;
* ``rpm2archive RPM`` writes ``RPM.tgz`` (``-n``: ``.tar``); ``rpm2cpio`` only prints (its reader,
  ``cpio -i``, writes: ``_shell_file_unpack``);
* ``gem unpack GEM [--target DIR]`` writes ``DIR`` (else here);
* ``unrar``/``rar x|e ARCHIVE [FILE…] [DIR/]`` (``-opDIR``); ``lha``/``lhasa x|e[w=DIR] ARCHIVE``;
  ``cabextract [-d DIR] CAB``; ``7z x|e ARCHIVE -oDIR`` (``a``/``u``: members read, archive written);
* a compressor's ``-o F``/``--output[=]F`` (``zstd``, ``lz4``, ``brotli``, ``xz``… ``-d``), and
  ``lz4 IN OUT``'s second operand: the file it writes.

The directory an extractor runs in when no destination is given is written only as the line names
it (``cd ~/.claude && ar x pkg.deb``, ``env -C DIR``): an extraction into the working directory keeps
the verdict it had (``tar xf``'s own reading of ``.`` is ``_shell_file_programs``').
"""

from __future__ import annotations

import posixpath

from goalrail.policies.builtins._shell_file_programs import READ, WRITE, Adds
from goalrail.policies.builtins._shell_file_words import members_in
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["EXTRACT_HANDLERS", "compressed_to"]

_HERE: Word = (".", False)
_UNSQUASH_VALUES = names(
    "-d -dest -e -ef -extract-file -exclude-file -p -processors -da -data-queue -fr -frag-queue -o -offset "
    "-xattrs-exclude -xattrs-include -mem -pf -max-depth -max"
)
_UNSQUASH_LISTS = names("-l -ls -ll -lls -lc -llc -lln -llnumeric -linfo -s -stat -cat -h -help -v -version")
_CAB_VALUES = names("-d --directory -F --filter -e --encoding")
_CAB_LISTS = names("-l --list -t --test -p --pipe -h --help -v --version")
_DEB_EXTRACTS = names("-x -X -R --extract --vextract --raw-extract")
#: compressors' options that take the output file, and the ones with another value (``-T0``, ``-L 9``)
_OUTPUTS = names("-o --output")
_COMPRESSOR_VALUES = names("-T --threads -L --level -B -D --dict -M --memory --format -F --suffix -S")


def _written(line: Adds, dirs: list[Word], members: list[Word], base: str | None) -> None:
    """An extraction into ``dirs`` of the ``members`` named (each a file written there), or of every
    member (a tree write); no directory named: the working directory, written only as the line names it."""
    named = [w for w in members if w[0][:1] not in ("", "-")]
    if named:
        for w in members_in(named, dirs or [_HERE]):
            line.add(WRITE, w, base=base)
        return
    for d in dirs or [_HERE]:
        line.add(WRITE, d, tree=True, base=base, moved=not dirs)


def _ar(line: Adds, words: list[Word], base: str | None) -> None:
    ops: list[Word] = []
    out: list[Word] = []
    k = 0
    while k < len(words):
        text, dyn = words[k]
        k += 1
        if text.startswith("--output"):
            value = text.partition("=")[2]
            if value:
                out.append((value, dyn))
            elif k < len(words):
                out.append(words[k])
                k += 1
        elif not ops and text.startswith("--"):
            continue  # (`--plugin P`, `--target B`: before the key)
        else:
            ops.append((text, dyn))
    if not ops or ops[0][1]:
        return
    key = ops[0][0].lstrip("-")
    mode = next((c for c in key if c in "dmpqrstx"), "")
    rest = ops[1 + sum(1 for c in key if c in "abiN") :]  # (a position member, a count)
    archive, members = rest[:1], rest[1:]
    if mode == "x":
        for w in archive:
            line.add(READ, w, base=base)
        _written(line, out, members, base)
    elif mode in ("r", "q"):
        for w in members:
            line.add(READ, w, base=base)
        for w in archive:
            line.add(WRITE, w, base=base)
    elif mode in ("d", "m", "s"):
        for w in archive:
            line.add(WRITE, w, base=base)
    elif mode in ("t", "p"):
        for w in archive:
            line.add(READ, w, base=base)


def _jar(line: Adds, words: list[Word], base: str | None) -> None:
    mode, cluster = "", False
    files: list[Word] = []
    dirs: list[Word] = []
    ops: list[Word] = []
    valued: list[str] = []  # letters of the mode cluster whose values are the next operands (`xf x.jar`)
    k = 0
    while k < len(words):
        text, dyn = words[k]
        k += 1
        name, eq, value = text.partition("=") if text.startswith("--") else (text, "", "")
        if name in ("-C", "--dir", "-f", "--file"):
            got = (value, dyn) if eq else (words[k] if k < len(words) else None)
            k += 0 if eq else 1
            if got is not None:
                (dirs if name in ("-C", "--dir") else files).append(got)
        elif name.startswith("--"):
            mode += {"--extract": "x", "--list": "t", "--create": "c", "--update": "u"}.get(name, "")
        elif (text[:1] == "-" and len(text) > 1) or not cluster:  # `xf`, `-xvf`, `-x`
            cluster = True
            mode += "".join(c for c in text if c in "ctxui")
            valued += [c for c in text if c in "fme"]
        else:
            ops.append((text, dyn))
    for letter in valued:  # `jar xf x.jar`, `jar cfm x.jar MANIFEST files`
        if ops:
            got, ops = ops[0], ops[1:]
            if letter == "f":
                files.append(got)
            elif letter == "m":
                line.add(READ, got, base=base)
    if "c" in mode or "u" in mode:
        for w in ops + dirs:
            line.add(READ, w, tree=True, base=base)
        for w in files:
            line.add(WRITE, w, base=base)
        return
    for w in files:
        line.add(READ, w, base=base)
    if "x" in mode:
        _written(line, dirs, ops, base)


def _options(words: list[Word], values: frozenset[str]) -> tuple[dict[str, list[Word]], list[Word]]:
    """(option → its values, operands) of ``words``: ``-d DIR``, ``--directory=DIR``, ``-dDIR``."""
    given: dict[str, list[Word]] = {}
    ops: list[Word] = []
    k = 0
    while k < len(words):
        text, dyn = words[k]
        k += 1
        name, eq, value = text.partition("=") if text.startswith("--") else (text, "", "")
        if eq:
            given.setdefault(name, []).append((value, dyn))
        elif name in values and k < len(words):
            given.setdefault(name, []).append(words[k])
            k += 1
        elif text[:1] == "-" and len(text) > 2 and text[:2] in values and not text.startswith("--"):
            given.setdefault(text[:2], []).append((text[2:], dyn))
        elif text[:1] == "-" and len(text) > 1:
            given.setdefault(name, [])
        else:
            ops.append((text, dyn))
    return given, ops


def _unsquashfs(line: Adds, words: list[Word], base: str | None) -> None:
    given, ops = _options(words, _UNSQUASH_VALUES)
    for w in ops[:1]:
        line.add(READ, w, base=base)
    if not ops or _UNSQUASH_LISTS.intersection(given):
        return
    for w in given.get("-ef", []) + given.get("-extract-file", []):
        line.add(READ, w, base=base)
    dirs = given.get("-d", []) + given.get("-dest", []) or [("squashfs-root", False)]
    for d in dirs:
        line.add(WRITE, d, tree=True, base=base, moved=d[0] == "squashfs-root")
    for w in members_in(ops[1:], dirs):
        line.add(WRITE, w, base=base)


def _dpkg_deb(line: Adds, words: list[Word], base: str | None) -> None:
    given, ops = _options(words, names("--admindir --root -Z -z -S --compression --compress-strategy"))
    if _DEB_EXTRACTS.intersection(given):
        for w in ops[:1]:
            line.add(READ, w, base=base)
        for w in ops[1:2]:
            line.add(WRITE, w, tree=True, base=base)
    elif {"-e", "--control"}.intersection(given):
        for w in ops[:1]:
            line.add(READ, w, base=base)
        dirs = ops[1:2] or [("DEBIAN", False)]
        line.add(WRITE, dirs[0], tree=True, base=base, moved=not ops[1:2])
    elif {"-b", "--build"}.intersection(given) and ops:
        line.add(READ, ops[0], tree=True, base=base)
        out = ops[1:2] or [(ops[0][0].rstrip("/") + ".deb", ops[0][1])]
        line.add(WRITE, out[0], base=base)
    else:  # `-c`, `-I`, `-f`, `--fsys-tarfile`: the package read
        for w in ops[:1]:
            line.add(READ, w, base=base)


def _rpm2archive(line: Adds, words: list[Word], base: str | None) -> None:
    given, ops = _options(words, names("-f --format"))
    suffix = ".tar" if "-n" in given or "--nocompression" in given else ".tgz"
    for text, dyn in ops:
        if text != "-":
            line.add(READ, (text, dyn), base=base)
            line.add(WRITE, (text + suffix, dyn), base=base)


def _gem(line: Adds, words: list[Word], base: str | None) -> None:
    if not words or words[0][0] != "unpack":
        line.hand("gem", words, base)  # (another subcommand: the paths it is handed, as before)
        return
    given, ops = _options(words[1:], names("--target -v --version --platform"))
    dirs = given.get("--target", [])
    for text, dyn in ops:
        if text.endswith(".gem"):
            line.add(READ, (text, dyn), base=base)
        stem = posixpath.basename(text).removesuffix(".gem")
        for d in dirs or [_HERE]:
            line.add(WRITE, (posixpath.join(d[0], stem), dyn or d[1]), tree=True, base=base, moved=not dirs)


def _unrar(line: Adds, words: list[Word], base: str | None) -> None:
    ops = [w for w in words if w[0][:1] != "-"]
    dirs = [(t[3:], d) for t, d in words if t.startswith("-op") and len(t) > 3]
    for w in ops[1:2]:
        line.add(READ, w, base=base)
    if len(ops) < 2 or ops[0][0] not in ("x", "e"):
        return
    members = ops[2:]
    if not dirs and members and members[-1][0].endswith(("/", "\\")):
        dirs, members = members[-1:], members[:-1]
    _written(line, dirs, members if ops[0][0] == "x" else [], base)


def _lha(line: Adds, words: list[Word], base: str | None) -> None:
    if len(words) < 2 or words[0][1]:
        return
    key, _, into = words[0][0].lstrip("-").partition("w=")
    if key[:1] not in ("x", "e"):
        return
    line.add(READ, words[1], base=base)
    _written(line, [(into, False)] if into else [], words[2:], base)


def _cabextract(line: Adds, words: list[Word], base: str | None) -> None:
    given, ops = _options(words, _CAB_VALUES)
    for w in ops:
        line.add(READ, w, base=base)
    if _CAB_LISTS.intersection(given):
        return
    _written(line, given.get("-d", []) + given.get("--directory", []), [], base)


def _seven_zip(line: Adds, words: list[Word], base: str | None) -> None:
    """``7z a ARCHIVE FILES…`` (members read, archive written), ``7z x|e ARCHIVE [FILE…] -oDIR``."""
    ops = [w for w in words if not w[0].startswith("-")]
    if len(ops) < 2:
        return
    if ops[0][0] in ("a", "u"):
        line.add(WRITE, ops[1], base=base)
        for w in ops[2:]:
            line.add(READ, w, tree=True, base=base)
    elif ops[0][0] in ("x", "e"):
        line.add(READ, ops[1], base=base)
        dirs = [(text[2:], dyn) for text, dyn in words if text.startswith("-o") and len(text) > 2]
        _written(line, dirs, ops[2:] if ops[0][0] == "x" else [], base)


def compressed_to(line: Adds, name: str, words: list[Word], base: str | None) -> list[Word]:
    """A compressor's output file (``zstd -d a.zst -o F``, ``lz4 -d IN OUT``) written; the words that
    remain its operands (an option's value is none)."""
    given, ops = _options(words, _OUTPUTS | _COMPRESSOR_VALUES)
    for w in given.get("-o", []) + given.get("--output", []):
        line.add(WRITE, w, base=base)
    if name in ("lz4", "unlz4") and len(ops) == 2 and ops[1][0] not in ("-", "stdout"):
        line.add(WRITE, ops[1], base=base)  # `lz4 -d IN OUT`
        return ops[:1]
    return ops


def _dpkg(line: Adds, words: list[Word], base: str | None) -> None:
    """``dpkg -x|-X|-e|-b …`` hands them to ``dpkg-deb``; any other ``dpkg`` call names no file here."""
    if any(t in _DEB_EXTRACTS or t in ("-e", "--control", "-b", "--build") for t, _ in words):
        _dpkg_deb(line, words, base)
    else:
        line.hand("dpkg", words, base)


EXTRACT_HANDLERS = {
    "ar": _ar,
    "gar": _ar,
    "llvm-ar": _ar,
    "jar": _jar,
    "unsquashfs": _unsquashfs,
    "dpkg-deb": _dpkg_deb,
    "dpkg": _dpkg,
    "rpm2archive": _rpm2archive,
    "gem": _gem,
    "unrar": _unrar,
    "rar": _unrar,
    "lha": _lha,
    "lhasa": _lha,
    "cabextract": _cabextract,
    "7z": _seven_zip,
    "7za": _seven_zip,
    "7zr": _seven_zip,
    "7zz": _seven_zip,
}
