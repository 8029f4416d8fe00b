"""What each program a shell line runs does to the files its words name: the tables and the
per-program readers of ``_shell_file_effects`` (which operands a program reads, writes, deletes,
moves or changes the mode of; which options take a value)."""

from __future__ import annotations

import posixpath
import re
from typing import Protocol

from goalrail.policies.builtins._file_modes import octal_mode
from goalrail.policies.builtins._shell_file_operands import letters
from goalrail.policies.builtins._shell_file_words import copied_into, members_in, sources_dest
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import names

READ, WRITE, DELETE, MOVE, CHMOD = "file_read", "file_write", "file_delete", "file_move", "file_chmod"
FILE_ACTIONS = (READ, WRITE, DELETE, MOVE, CHMOD)

_EXE = re.compile(r"\.(?:exe|cmd|bat|com)$", re.IGNORECASE)


def program_name(name: str) -> str:
    """The program a command name reaches on any system: ``CAT`` (a case-insensitive file
    system) and ``cat.exe`` (Git Bash, WSL) are ``cat``."""
    return name if name.islower() and "." not in name[1:] else _EXE.sub("", name).lower()


class Adds(Protocol):
    """Where a program's file actions go (``_shell_file_effects._Line``)."""

    def add(
        self,
        kind: str,
        word: Word,
        *,
        tree: bool = False,
        suffix: str = "",
        base: str | None = None,
        some: bool = False,
        listed: bool = False,
        moved: bool = False,
    ) -> None: ...

    def hand(self, program: str, words: list[Word], base: str | None) -> None: ...

    def remote(self, word: Word, tree: bool = False) -> None: ...


READERS = names(
    "cat tac nl head tail less more most xxd od hexdump hd strings base64 base32 basenc wc uniq cut "
    "md5sum sha1sum sha224sum sha256sum sha384sum sha512sum b2sum cksum sum diff cmp comm paste fold fmt "
    "column iconv file bat batcat view zcat zless zmore bzcat xzcat lzcat zstdcat source . sort rev uuencode "
    "hexyl look expand unexpand pr split csplit tr gpg"
)
_GREPS = names("grep egrep fgrep zgrep rg ag ack")
_AWKS = names("awk gawk mawk nawk")
DELETERS = names("rm unlink rmdir shred srm")
#: compressors: their operands read, and replaced (deleted) unless kept or written to stdout
COMPRESSORS = names(
    "gzip gunzip bzip2 bunzip2 xz unxz lzma unlzma zstd unzstd lz4 unlz4 compress pigz pbzip2 brotli lzip"
)
KEEPS = names("-c -k -t -l --stdout --to-stdout --keep --test --list")
#: editors: their operands read and written
EDITORS = names("vim vi nvim nano emacs ed ex code micro pico joe kak hx mcedit gedit")
CHMODS = names("chmod chown chgrp chattr setfacl")
_COPIERS = names("cp install ln rsync scp")
#: options that take the next word as their value, per family (other options take none)
VALUES: dict[str, frozenset[str]] = {
    "head": names("-n -c --lines --bytes"),
    "od": names("-t -A -N -j -w -S"),
    "sort": names("-k -t -S -T -o --output --key --field-separator"),
    "cut": names("-d -f -c -b --delimiter --fields"),
    "xxd": names("-s -l -c -g -o -n"),
    "strings": names("-n -t -e"),
    "iconv": names("-f -t -o --from-code --to-code --output"),
    "grep": names("-e -f -m -A -B -C -g -t -T -j -M -E --regexp --file --max-count --glob --iglob --type --context")
    | names("--include"),
    "awk": names("-f -F -v -i -e --file --include --source"),
    "sed": names("-e -f -l --expression --file"),
    "touch": names("-d -t -r --date --reference"),
    "truncate": names("-s -r --size --reference"),
    "cp": names("-t -S -m -o -g --target-directory --suffix --mode --owner --group"),
    "mv": names("-t -S --target-directory --suffix"),
    "rsync": names(
        "-e -f --rsh --filter --exclude --include --exclude-from --include-from --files-from --password-file "
        "--read-batch --write-batch --only-write-batch --log-file"
    ),
    "scp": names("-i -P -o -F -l -c -J -S"),
    "tar": names("-f -C -T -X -I -b --file --directory --files-from --exclude-from --use-compress-program"),
    "zip": names("-x -i -b -t -n -P"),
    "unzip": names("-d -x -P"),
    "curl": names(
        "-T -d -F -K -o -D -c -b -H -X -u -A -e -x -m -w -E --upload-file --data --data-binary --data-urlencode "
        "--data-ascii --form --config --output --dump-header --cookie-jar --cookie --header --request --user "
        "--json --cert --key --cacert --proxy --max-time --write-out --connect-timeout --retry"
    )
    | names("--trace --trace-ascii --stderr --libcurl --etag-save --hsts --alt-svc --output-dir"),
    "wget": names("-O -o -a -i -P -e -U --post-file --body-file --output-document --input-file --directory-prefix")
    | names("--output-file --append-output --save-cookies"),
    "chmod": names("--reference"),
    "gpg": names("-o --output -r --recipient -u --local-user --default-key -z"),
    "split": names("-b -l -n -a -C -t --bytes --lines --number --suffix-length --line-bytes --separator"),
    "csplit": names("-f -b -n --prefix --suffix-format --digits"),
}
FAMILY = {
    **dict.fromkeys(names("head tail"), "head"),
    **dict.fromkeys(names("od"), "od"),
    **dict.fromkeys(names("sort"), "sort"),
    **dict.fromkeys(names("cut"), "cut"),
    **dict.fromkeys(names("xxd"), "xxd"),
    **dict.fromkeys(names("strings"), "strings"),
    **dict.fromkeys(names("iconv"), "iconv"),
    **dict.fromkeys(_GREPS, "grep"),
    **dict.fromkeys(_AWKS, "awk"),
    **dict.fromkeys(names("sed gsed"), "sed"),
    **dict.fromkeys(names("touch"), "touch"),
    **dict.fromkeys(names("truncate"), "truncate"),
    **dict.fromkeys(names("cp install ln"), "cp"),
    **dict.fromkeys(names("rsync"), "rsync"),
    **dict.fromkeys(names("scp"), "scp"),
    **dict.fromkeys(names("tar bsdtar gtar"), "tar"),
    **dict.fromkeys(names("zip"), "zip"),
    **dict.fromkeys(names("unzip"), "unzip"),
    **dict.fromkeys(names("curl"), "curl"),
    **dict.fromkeys(names("wget"), "wget"),
    **dict.fromkeys(CHMODS, "chmod"),
}
RECURSIVE = names("-r -R -a --recursive --archive")


def _grep(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    pattern_given = any(k in given for k in ("-e", "--regexp", "-f", "--file"))
    for w in given.get("-f", []) + given.get("--file", []):
        line.add(READ, w, base=base)
    files = ops if pattern_given else ops[1:]
    tree = tree or name in ("rg", "ag", "ack")
    chosen = ("--include", "-g", "--glob", "--iglob", "-t", "--type")  # (not those leaving some out: `-g '!x'`)
    some = any(not v[0].startswith("!") for k in chosen for v in given.get(k, ()))  # `--include='*.py'`: some files
    for w in files:
        line.add(READ, w, tree=tree, base=base, some=some)


def _awk_sed(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    script_given = any(k in given for k in ("-e", "--expression", "--source", "-f", "--file"))
    for w in given.get("-f", []) + given.get("--file", []) + given.get("-i", []) + given.get("--include", []):
        line.add(READ, w, base=base)
    files = ops if script_given else ops[1:]
    files = [w for w in files if name not in _AWKS or "=" not in w[0]]  # awk's `var=value` operands
    in_place = (  # `sed -i`, `gawk -i inplace` (the extension rewriting each file)
        any(v[0].startswith("inplace") for v in given.get("-i", []) + given.get("--include", []))
        if name in _AWKS
        else "i" in letters(flags) or any(f.startswith("--in-place") for f in flags) or "-i" in flags
    )
    for w in files:
        line.add(READ, w, base=base)
        if in_place:
            line.add(WRITE, w, base=base)


def _tee_touch(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    for w in given.get("-r", []) + given.get("--reference", []):
        line.add(READ, w, base=base)
    for w in ops:
        line.add(WRITE, w, base=base)


def _split(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    """``split [FILE [PREFIX]]``, ``csplit -f PREFIX FILE PATTERN…``: the pieces are the prefix and
    a suffix (``xaa``, ``xx00``): the first piece stands for them (a prefix ending in ``/`` writes
    into that directory; no piece is the prefix itself)."""
    prefixes = ops[1:2] if name == "split" else given.get("-f", []) + given.get("--prefix", [])
    for w in ops[:1]:
        if w[0] != "-":
            line.add(READ, w, base=base)
    first = "aa" if name == "split" else "00"
    for text, dyn in prefixes or [("x" if name == "split" else "xx", False)]:
        line.add(WRITE, (text + first, dyn), base=base)


def _local(word: Word) -> bool:
    """Not a remote ``host:path`` (a colon before any slash)."""
    return ":" not in word[0].partition("/")[0]


_RSYNC_READS = ("--files-from", "--include-from", "--exclude-from", "--password-file", "--read-batch")
_RSYNC_WRITES = ("--log-file", "--write-batch", "--only-write-batch")


def _copy(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    sources, dest, target = sources_dest(ops, given)
    tree = tree or "a" in letters(flags)
    for key in _RSYNC_READS if name == "rsync" else ():  # lists, a password, a batch read
        for w in given.get(key, ()):
            line.add(READ, w, base=base)
    for key in _RSYNC_WRITES if name == "rsync" else ():  # its log, a batch written
        for w in given.get(key, ()):
            line.add(WRITE, w, base=base)
    for w in sources:
        if _local(w):
            line.add(READ, w, tree=tree, base=base)
        else:  # `scp h:~/.ssh/id_rsa .`: read there, copied here (`scp -r h:~/.mozilla .`: all under it)
            line.remote(w, tree)
    for w in dest:
        if _local(w):
            line.add(WRITE, w, tree=tree or target, base=base)
            for made in copied_into(sources, w, target):
                line.add(WRITE, made, tree=tree, base=base)
            if name == "rsync" and any(f.startswith(("--delete", "--remove-source")) for f in flags):
                line.add(DELETE, w, tree=True, base=base, some=True)  # what the sources lack, under it


def _move(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    sources, dest, target = sources_dest(ops, given)
    for w in sources:  # (a directory moved leaves with every file beneath it: `mv ~ /tmp/x`)
        line.add(MOVE, w, tree=True, base=base)
        line.add(DELETE, w, tree=True, base=base)
        line.add(READ, w, base=base)
    for w in dest:
        line.add(MOVE, w, tree=target, base=base)
        line.add(WRITE, w, tree=target, base=base)
        for made in copied_into(sources, w, target):
            line.add(WRITE, made, base=base)


def _chmod(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    reference = given.get("--reference")
    if name == "setfacl" or name == "chattr":
        mode, files = "", [w for w in ops if not w[0].startswith(("+", "="))]
    elif reference:
        mode, files = "", ops
    elif ops:
        mode, files = ops[0][0], ops[1:]
    else:
        return
    octal = octal_mode(mode) if name == "chmod" else None
    for w in files:
        line.add(CHMOD, w, tree=tree, suffix=":" + mode if mode else "", base=base)
        if octal:  # `a+rwx` also as the bits it grants, `0777`: a rule on numeric modes meets it
            line.add(CHMOD, w, tree=tree, suffix=":" + octal, base=base)


def _dd(line: Adds, words: list[Word], base: str | None) -> None:
    for text, dyn in words:
        if text.startswith("if="):
            line.add(READ, (text[3:], dyn), base=base)
        elif text.startswith("of="):
            line.add(WRITE, (text[3:], dyn), base=base)


def _tar(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    mode = letters(flags)
    archive = given.get("-f", []) + given.get("--file", [])
    if ops and not ops[0][0].startswith("-") and re.fullmatch(r"[A-Za-z]+", ops[0][0]) and not ops[0][1]:
        bundle, ops = ops[0][0], ops[1:]  # `tar czf x.tgz dir`: the old bundle, its `f` taking a word
        mode += bundle
        if "f" in bundle and ops:
            archive, ops = [*archive, ops[0]], ops[1:]
    elif not archive and ops and any(f[:1] == "-" and f[1:2] != "-" and "f" in f for f in flags):
        archive, ops = [ops[0]], ops[1:]  # `tar -xzf x.tgz F`: the cluster's `f` took the archive
    creating = any(c in mode for c in "cruA") or any(f in flags for f in ("--create", "--append", "--update"))
    for w in given.get("-T", []) + given.get("--files-from", []):
        line.add(READ, w, base=base)
    if creating:
        inside = [d for d, dyn in given.get("-C", []) + given.get("--directory", []) if not dyn]
        members = posixpath.join(base or "", inside[-1]) if inside else base  # `tar -C ~/.ssh -czf x .`
        if inside and inside[-1][:1] == "~":  # (a home directory is no path under the wrapper's: `sudo -D /`)
            members = inside[-1]
        for w in ops:
            line.add(READ, w, tree=True, base=members or None)
        for w in archive:
            line.add(WRITE, w, base=base)
        return
    for w in archive:
        line.add(READ, w, base=base)
    if "x" in mode or "--extract" in flags or "--get" in flags:
        for w in (dirs := given.get("-C", []) + given.get("--directory", []) or [(".", False)]):
            line.add(WRITE, w, tree=True, base=base)
        for w in members_in(ops, dirs):  # `tar xf x.tar .claude/settings.json`: the members named
            line.add(WRITE, w, base=base)


def _zip(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    if not ops:
        return
    if name == "unzip":
        line.add(READ, ops[0], base=base)
        for w in (dirs := given.get("-d", []) or [(".", False)]):
            line.add(WRITE, w, tree=True, base=base)
        for w in members_in(ops[1:], dirs):
            line.add(WRITE, w, base=base)
        return
    line.add(WRITE, ops[0], base=base)
    for w in ops[1:]:
        line.add(READ, w, tree=tree, base=base)


def _uploaded(value: str) -> str | None:
    """The file a curl data or form value reads: ``@f``, ``name@f`` (``--data-urlencode``), ``x=@f``, ``x=<f``."""
    for mark in ("=@", "=<", "@"):
        if mark in value:
            return value.partition(mark)[2].partition(";")[0] or None
    return None


#: curl's options naming a file it writes besides ``-o``: a trace, its stderr, its C source, caches
_CURL_WRITES = ("--trace", "--trace-ascii", "--stderr", "--libcurl", "--etag-save", "--hsts", "--alt-svc")


def _curl(
    line: Adds, name: str, ops: list[Word], given: dict[str, list[Word]], flags: set[str], tree: bool, base: str | None
) -> None:
    reads = ("-T", "--upload-file", "-K", "--config", "-i", "--input-file", "--post-file", "--body-file")
    writes: tuple[str, ...] = ("-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar", "--output-document", "-a")
    writes += ("-O", "--output-file", "--append-output", "--save-cookies") if name == "wget" else _CURL_WRITES
    for key, values in given.items():
        for text, dyn in values:
            if key in reads:
                line.add(READ, (text, dyn), base=base)
            elif key in writes:
                line.add(WRITE, (text, dyn), base=base)
            elif key in ("-d", "-F", "--data", "--data-binary", "--data-urlencode", "--data-ascii", "--form", "--json"):
                file = _uploaded(text)
                if file:
                    line.add(READ, (file, dyn), base=base)
    into = ("-P", "--directory-prefix") if name == "wget" else ("--output-dir",)  # (curl's `-P`: an FTP port)
    for w in (w for key in into for w in given.get(key, [])):
        line.add(WRITE, w, tree=True, base=base)
    for w in ops:  # `curl file:///etc/shadow`: a local file fetched (its canonical spelling is its path)
        if w[0][:5].lower() == "file:":
            line.add(READ, w, base=base)


def _openssl(line: Adds, words: list[Word], base: str | None) -> None:
    for i, (text, _) in enumerate(words[:-1]):
        if text in ("-in", "-inkey", "-infiles"):
            line.add(READ, words[i + 1], base=base)
        elif text in ("-out", "-keyout"):
            line.add(WRITE, words[i + 1], base=base)


HANDLERS = {
    "grep": _grep,
    "awk": _awk_sed,
    "sed": _awk_sed,
    "touch": _tee_touch,
    "truncate": _tee_touch,
    "tee": _tee_touch,
    "sponge": _tee_touch,  # (moreutils) writes what it soaked up from stdin
    "cp": _copy,
    "rsync": _copy,
    "scp": _copy,
    "mv": _move,
    "chmod": _chmod,
    "tar": _tar,
    "zip": _zip,
    "unzip": _zip,
    "curl": _curl,
    "wget": _curl,
    "split": _split,
    "csplit": _split,
}
WORD_HANDLERS = {
    "dd": _dd,
    "openssl": _openssl,
}
