"""Programs told to work in another directory by an option: ``make -C``, ``tar -C``,
``npm --prefix``, ``go -C``…

``git -C`` and the wrappers the shell analysis records a directory for (``env -C``, ``sudo
-D``, ``chroot``, ``unshare``/``nsenter --wd``: ``Wrapper.chdir``) are handled where they are parsed;
this table covers the other programs whose option does the same as a ``cd`` before them.
Options are read as their programs read them: ``-C dir``, ``-Cdir``, a short-option cluster
ending in ``C`` (``make -sC dir``, ``tar -xzC dir``), ``--directory dir`` and
``--directory=dir``, and a long option abbreviated (``make --dir /etc``: getopt_long and
argparse accept any unambiguous prefix; a prefix of a directory option is read as that
option); ``--`` ends the options.
"""

from __future__ import annotations

from dataclasses import dataclass

from goalrail.policies.builtins._shell_types import SimpleCommand


@dataclass(frozen=True, slots=True)
class DirOptions:
    short: str = ""  # short option letters taking a directory (clustered like getopt)
    long: tuple[str, ...] = ()  # long options taking a directory (``--x dir`` or ``--x=dir``)
    single_dash: tuple[str, ...] = ()  # Go-style options: ``-C dir`` or ``-C=dir``, never clustered
    attached: tuple[str, ...] = ()  # 7-Zip's switches: the value glued on (``-o/etc``), never the next word


_C_OR_DIRECTORY = DirOptions(short="C", long=("--directory",))  # make's and tar's

PROGRAMS: dict[str, DirOptions] = {
    "make": _C_OR_DIRECTORY,
    "gmake": _C_OR_DIRECTORY,
    "bmake": _C_OR_DIRECTORY,
    "ninja": DirOptions(short="C"),
    "meson": DirOptions(short="C"),
    "tar": _C_OR_DIRECTORY,
    "gtar": _C_OR_DIRECTORY,
    "bsdtar": _C_OR_DIRECTORY,
    "go": DirOptions(single_dash=("-C",)),
    "npm": DirOptions(short="C", long=("--prefix",)),
    "pnpm": DirOptions(short="C", long=("--dir",)),
    "yarn": DirOptions(long=("--cwd",)),
    "bun": DirOptions(long=("--cwd",)),
    "uv": DirOptions(long=("--directory",)),
    "poetry": _C_OR_DIRECTORY,
    "cargo": DirOptions(short="C", long=("--manifest-path",)),
    "cmake": DirOptions(short="SB", long=("--build",)),  # source and build trees, `--build DIR`
    "just": DirOptions(short="df", long=("--working-directory", "--justfile")),  # runs in the justfile's dir
    "gradle": DirOptions(short="p", long=("--project-dir",)),
    "gradlew": DirOptions(short="p", long=("--project-dir",)),
    "mvn": DirOptions(short="f", long=("--file",)),  # the POM's directory is the project's
    "mvnw": DirOptions(short="f", long=("--file",)),
    "terraform": DirOptions(single_dash=("-chdir",)),
    "tofu": DirOptions(single_dash=("-chdir",)),
    "composer": DirOptions(short="d", long=("--working-dir",)),
    "rake": _C_OR_DIRECTORY,
    "scons": _C_OR_DIRECTORY,
    "hg": DirOptions(short="R", long=("--cwd", "--repository")),
    "swift": DirOptions(long=("--package-path",)),
    "mise": DirOptions(short="C", long=("--cd",)),
    "task": DirOptions(short="dt", long=("--dir", "--taskfile")),  # go-task runs in the Taskfile's dir
    "ant": DirOptions(single_dash=("-f", "-file", "-buildfile")),  # the build file's dir is the base dir
    "fd": DirOptions(long=("--base-directory",)),
    "fdfind": DirOptions(long=("--base-directory",)),
    # told to put their files in a directory, as `tar -C DIR -x` is
    **dict.fromkeys(("cp", "mv", "install", "ln"), DirOptions(short="t", long=("--target-directory",))),
    "unzip": DirOptions(short="d"),
    "cpio": DirOptions(short="D", long=("--directory",)),  # `cpio -idD DIR`: extracted there
    **dict.fromkeys(("7z", "7za", "7zr", "7zz"), DirOptions(attached=("-o",))),
    # run in a directory, as `env -C DIR` runs its command
    "deno": DirOptions(long=("--cwd",)),  # `deno task --cwd DIR`
    "gdb": DirOptions(long=("--cd",), single_dash=("-cd",)),  # then `shell …`/`run` start there
    "emacs": DirOptions(long=("--chdir",), single_dash=("-chdir",)),
    "start-stop-daemon": DirOptions(short="d", long=("--chdir",)),
    "ruby": DirOptions(short="C"),  # `ruby -C DIR script.rb`: cd to DIR before running the script
    "ctest": DirOptions(long=("--test-dir",)),
    "turbo": DirOptions(long=("--cwd",)),
    "fossil": DirOptions(long=("--chdir",)),
    "sl": DirOptions(short="R", long=("--cwd", "--repository")),  # Sapling, as hg
    "jj": DirOptions(short="R", long=("--repository",)),
}
#: find's actions that run their command in the directory of each file found under the start points
_FIND_DIR_ACTIONS = frozenset({"-execdir", "-okdir"})
_FIND_START = frozenset({"-H", "-L", "-P"})
#: tar's old-style bundle (``tar xfC ARCHIVE DIR``): letters that take the next words, in order
TAR_VALUED = frozenset("bCfFgIKLNTVX")
_TARS = frozenset({"tar", "gtar", "bsdtar"})
_MIN_PREFIX = 4  # `--di`: shorter prefixes are ambiguous for every program here


def directory_options(cmd: SimpleCommand) -> list[tuple[str, bool, str]]:
    """``(directory, dynamic, "program option")`` for every option of ``cmd`` naming a directory
    to work in."""
    name = cmd.name
    spec = PROGRAMS.get(name)
    if spec is None:
        return _find_starts(cmd) if name == "find" and _FIND_DIR_ACTIONS.intersection(cmd.argv) else []
    found: list[tuple[str, bool, str]] = []
    words = list(zip(cmd.argv[1:], cmd.dynamic[1:], strict=True))
    if cmd.stdin_args:  # `echo /etc | xargs make -C`: xargs appends the option's value
        words.append(("<xargs input>", True))
    i = 0
    if name in _TARS and words and words[0][0].isalpha() and not words[0][1]:  # `tar xfC A.tar /etc`
        i = 1
        for letter in words[0][0]:
            if letter in TAR_VALUED and i < len(words):
                if letter == "C":
                    found.append((*words[i], f"{name} C"))
                i += 1
    while i < len(words):
        word, dyn = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if word == "--":
            break
        if not word.startswith("-") or word == "-":
            i += 1
            continue
        taken = _option(spec, word, dyn, nxt)
        if taken is not None:
            value, value_dyn, option, used_next = taken
            found.append((value, value_dyn, f"{name} {option}"))
            i += 2 if used_next else 1
        else:
            i += 1
    return found


def _find_starts(cmd: SimpleCommand) -> list[tuple[str, bool, str]]:
    """``find /etc -execdir CMD``: the start points, below which the command runs."""
    found: list[tuple[str, bool, str]] = []
    for word, dyn in zip(cmd.argv[1:], cmd.dynamic[1:], strict=True):
        if word in _FIND_START or (word.startswith(("-D", "-O")) and not found):
            continue
        if not dyn and (word.startswith(("-", "(", "!", ",")) or word == ")"):
            break
        found.append((word, dyn, "find -execdir below"))
    return found


def _option(spec: DirOptions, word: str, dyn: bool, nxt: tuple[str, bool] | None) -> tuple[str, bool, str, bool] | None:
    """``(value, dynamic, option, value is the next word)`` when ``word`` is a directory option."""
    for option in spec.attached:
        if word.startswith(option) and len(word) > len(option):
            return word[len(option) :], dyn, option, False
    if word.startswith("--"):
        name, eq, value = word.partition("=")
        if name not in spec.long:
            full = [o for o in spec.long if len(name) >= _MIN_PREFIX and o.startswith(name)]
            if not full:
                return None
            name = full[0]
        if eq:
            return value, dyn, name, False
        return (nxt[0], nxt[1], name, True) if nxt is not None else None
    name, eq, value = word.partition("=")
    if name in spec.single_dash:
        if eq:
            return value, dyn, name, False
        return (nxt[0], nxt[1], name, True) if nxt is not None else None
    if not spec.short or spec.single_dash:
        return None
    for j, letter in enumerate(word[1:], start=1):
        if letter in spec.short:
            rest = word[j + 1 :]
            if rest:
                return rest, dyn, f"-{letter}", False
            return (nxt[0], nxt[1], f"-{letter}", True) if nxt is not None else None
        if not letter.isalnum():
            return None
    return None
