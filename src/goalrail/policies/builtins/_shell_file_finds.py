"""The file actions of ``find`` and of the programs that make or wipe a file system, for
``_shell_file_effects``.

* ``find DIR… -delete`` deletes the files under each start directory, ``find DIR… -exec rm …
  {} +`` (or ``shred``, ``unlink``) as well, ``-exec chmod MODE {}`` (``chown``, ``chgrp``…)
  changes their mode: every file under ``DIR`` when no test chooses among them (``-maxdepth``,
  ``-xdev``, ``-depth`` choose none), some of them otherwise (``-name '*.pyc'``, ``-type f``); the
  files found are read by ``-exec``/``-ok`` and ``-delete``, and ``-name x`` is also read as
  ``DIR/**/x``; ``-fprint F`` writes ``F``.
* ``mkfs``/``mkfs.*``, ``mke2fs``, ``mkswap``, ``wipefs``, ``blkdiscard``… write each device or
  image they name (``/dev/sda1``, ``./disk.img``); so do the partitioners (``fdisk``, ``sfdisk``,
  ``gdisk``, ``sgdisk``, ``parted``…) unless they only list, and the erasers when they erase
  (``cryptsetup luksFormat``, ``hdparm --security-erase``, ``nvme format``, ``mdadm --create``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from goalrail.policies.builtins._shell_file_programs import CHMOD, CHMODS, DELETE, DELETERS, READ, WRITE, Adds
from goalrail.policies.builtins._shell_listers import find_globs, find_starts
from goalrail.policies.builtins._shell_types import SimpleCommand, Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["find_files", "format_handler", "formatted"]

_FIND_RUNS = names("-exec -execdir -ok -okdir")
#: find's words that choose no files (every file under its start paths is met)
_FIND_ALL = names("-delete -depth -d -xdev -mount -ignore_readdir_race -noleaf -follow -print -print0 -prune")
_FIND_VALUED = names("-maxdepth -mindepth")
_TYPES = names("-type -xtype")


def _find_acts(words: list[Word]) -> list[tuple[str, str]]:
    """What ``find … -exec PROG … {}`` does to each file it finds: (action, ``chmod``'s mode)."""
    acts: list[tuple[str, str]] = []
    for i, (text, _) in enumerate(words[:-1]):
        if text not in _FIND_RUNS:
            continue
        run = _exec_words(words, i + 1)
        prog = posixpath.basename(run[0]) if run else ""
        args = [t for t in run[1:] if t != "{}" and not t.startswith("-")]
        if prog in DELETERS:
            acts.append((DELETE, ""))
        elif prog in CHMODS:
            acts.append((CHMOD, ":" + args[0] if args and prog in ("chmod", "chown", "chgrp") else ""))
    return acts


def _exec_words(words: list[Word], start: int) -> list[str]:
    """The words an ``-exec`` starting at ``start`` runs, up to its ``;``/``+`` (words known only
    at run time left out); read no further, so a line of thousands of ``-exec`` reads each word once."""
    run: list[str] = []
    for k in range(start, len(words)):
        text, dyn = words[k]
        if dyn:
            continue
        if text in (";", "+"):
            break
        run.append(text)
    return run


def find_files(line: Adds, cmd: SimpleCommand, base: str | None) -> None:
    words = list(zip(cmd.args, cmd.dynamic[1:], strict=True))
    starts, first = find_starts(words)
    texts = {w[0] for w in words}
    rest = words[first:]
    run = next((k for k, w in enumerate(rest) if w[0] in _FIND_RUNS), len(rest))
    chosen = [
        t for k, (t, _) in enumerate(rest[:run]) if t not in _FIND_ALL and not (k and rest[k - 1][0] in _FIND_VALUED)
    ]
    chosen = [t for t in chosen if t not in _FIND_VALUED]
    picked = [t for k, t in enumerate(chosen) if t not in _TYPES and not (k and chosen[k - 1] in _TYPES)]
    starts = starts or [(".", False)]
    acts = texts & _FIND_RUNS or "-delete" in texts
    changes = _find_acts(words) + ([(DELETE, "")] if "-delete" in texts else [])
    named = [words[i + 1] for i, (t, _) in enumerate(words[:-1]) if t in ("-name", "-iname", "-path", "-ipath")]
    for w in starts:
        for kind, suffix in changes:  # every file found (some of them where a test chooses: `-name x`)
            line.add(kind, w, tree=True, suffix=suffix, base=base, some=bool(chosen))
        if acts:  # (`-type f` chooses every file that holds anything)
            line.add(READ, w, tree=True, base=base, some=bool(picked))
        for name, _ in named if acts else ():  # `find ~ -name id_rsa -exec cat {} +`: `~/**/id_rsa`
            path = name if name.startswith(("*", "/")) else f"**/{name}"
            for kind in (DELETE, READ) if "-delete" in texts else (READ,):
                line.add(kind, (f"{w[0].rstrip('/')}/{path.lstrip('/')}", True), base=base)
    for glob in find_globs(words) if acts else ():  # `-path '*/.aws/*'`, `-regex '.*credentials'`: whole paths
        line.add(READ, (glob, True), base=base, listed=True)
    for i, (text, _) in enumerate(words[:-1]):
        if text in ("-fprint", "-fprint0", "-fprintf", "-fls"):
            line.add(WRITE, words[i + 1], base=base)


#: programs that make or wipe a file system on the devices or images they name
FORMATTERS = names("mkfs mke2fs mkswap wipefs blkdiscard mkdosfs mkntfs mkexfatfs")
#: programs that partition, erase or encrypt the devices they name, with the words that make a call
#: of theirs a reading only (a table listed or printed, a header dumped)
_ONLY_READ: dict[str, frozenset[str]] = {
    "fdisk": names("-l --list -x --list-details -s --getsz"),
    "sfdisk": names("-l --list -d --dump -J --json -V --verify -s --show-size -g --show-geometry -T --list-types -r"),
    "gdisk": names("-l"),
    "sgdisk": names("-p --print -v --verify -O --print-mbr -P --pretend -L --list-types"),
    "cgdisk": frozenset(),
    "cfdisk": frozenset(),
    "parted": names("print -l --list"),
    "sg_format": frozenset(),
    "sg_sanitize": frozenset(),
    "pvcreate": frozenset(),
    "pvremove": frozenset(),
}
#: … and those that write only when told to (an erase, a format, a new array or pool)
_WRITES_WHEN: dict[str, frozenset[str]] = {
    "cryptsetup": names("luksFormat erase luksErase reencrypt luksKillSlot luksRemoveKey luksAddKey convert repair"),
    "hdparm": names(
        "--security-erase --security-erase-enhanced --write-sector --trim-sector-ranges --make-bad-sector --fwdownload"
    ),
    "nvme": names("format sanitize write-zeroes write-uncor"),
    "mdadm": names("--zero-superblock --create -C --build -B --grow -G"),
    "zpool": names("create labelclear add attach replace"),
    "flashrom": names("-w --write -E --erase"),
}


def format_handler(name: str) -> Callable[[Adds, list[Word], str | None], None] | None:
    """What the file-system makers (``mkfs.ext4 /dev/sda1``, ``wipefs -a /dev/sda``), partitioners
    (``sgdisk --zap-all /dev/sda``, ``parted /dev/sda rm 1``, ``fdisk /dev/sda``) and erasers
    (``cryptsetup luksFormat``, ``hdparm --security-erase``, ``nvme format``) do to the devices and
    images they name: each is written, unless the call only reads (``fdisk -l``, ``parted -l``,
    ``sgdisk -p``, ``cryptsetup luksDump``, ``hdparm -I``).  None for any other program."""
    if name in FORMATTERS or name.startswith("mkfs."):
        return formatted
    return _DEVICE_HANDLERS.get(name)


def _writes_unless(reads: frozenset[str]) -> Callable[[Adds, list[Word], str | None], None]:
    return lambda line, words, base: None if any(w in reads for w, _ in words) else formatted(line, words, base)


def _writes_when(writes: frozenset[str]) -> Callable[[Adds, list[Word], str | None], None]:
    return lambda line, words, base: formatted(line, words, base) if any(w in writes for w, _ in words) else None


def _badblocks(line: Adds, words: list[Word], base: str | None) -> None:
    """``-w`` (a write-mode test), ``-n`` (a non-destructive one, rewriting each block) write the device."""
    if any(w[:1] == "-" and w[1:2] != "-" and {"w", "n"} & set(w) for w, _ in words):
        formatted(line, words, base)


def formatted(line: Adds, words: list[Word], base: str | None) -> None:
    """``mkfs.ext4 /dev/sda1``, ``wipefs -a /dev/sda``: each device or image named is written."""
    for text, dyn in words:
        if dyn or text[:1] in ("/", "~") or text.startswith(("./", "../")):
            line.add(WRITE, (text, dyn), base=base)


#: the partitioners' and erasers' handlers, made once
_DEVICE_HANDLERS: dict[str, Callable[[Adds, list[Word], str | None], None]] = {
    **{name: _writes_unless(reads) for name, reads in _ONLY_READ.items()},
    **{name: _writes_when(writes) for name, writes in _WRITES_WHEN.items()},
    "badblocks": _badblocks,
}
