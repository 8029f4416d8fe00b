"""Directories a command line makes lead elsewhere before it enters them.

``ln -s /etc e && cd e``: when the ``cd`` is checked, ``e`` does not exist yet, so its resolved
form is the path itself, inside the working directory; what the shell enters is ``/etc``.  The
links and bind mounts a command makes — ``ln -s TARGET [LINK]`` (also ``-t DIR``, several
targets into a directory), ``mount --bind``/``-B``/``--rbind``/``-o bind SRC DST``, ``bindfs
SRC DST``, and ``mv``/``cp`` of such a link — are recorded as ``link → destination`` (lexical
paths; ``None`` when the destination is known only at run time) so a later directory target
reached through one is judged where it leads.
"""

from __future__ import annotations

import posixpath

from goalrail.policies.builtins import _paths
from goalrail.policies.builtins._shell_types import SimpleCommand

_MOUNT_BIND = frozenset({"--bind", "-B", "--rbind", "-R"})
#: the programs that make links or mounts (or carry one: a moved or copied link)
LINK_MAKERS = frozenset({"ln", "mount", "bindfs", "mv", "cp"})


def _operands(cmd: SimpleCommand) -> tuple[list[tuple[str, bool]], set[str], str | None]:
    """(operands, option letters, long names and ``-o`` values, ``-t`` value) of a coreutils-style
    command (for ``mount``, ``-t`` is the file system type: a value all the same)."""
    operands: list[tuple[str, bool]] = []
    options: set[str] = set()
    target_dir: str | None = None
    words = list(zip(cmd.argv[1:], cmd.dynamic[1:], strict=True))
    i, ended = 0, False
    while i < len(words):
        w, d = words[i]
        i += 1
        if ended or d or not w.startswith("-") or w == "-":
            operands.append((w, d))
        elif w == "--":
            ended = True
        elif w.startswith("--"):
            name, _, value = w.partition("=")
            options.add(name)
            if name == "--target-directory":
                target_dir = value
        else:
            options.update(w[1:])
            for letter in "to":
                if letter in w[1:]:
                    rest = w[w.index(letter) + 1 :]
                    value = rest or (words[i][0] if i < len(words) else "")
                    i += 0 if rest else 1
                    target_dir = value if letter == "t" else target_dir
                    options.add(value)
                    break
    return operands, options, target_dir


def made_links(cmd: SimpleCommand, links: dict[str, str | None], base: str | None) -> None:
    """Record in ``links`` the links and bind mounts ``cmd`` makes, its paths read from ``base``."""
    name = cmd.name
    operands, options, target_dir = _operands(cmd)
    pairs: list[tuple[tuple[str, bool], str]] = []  # (destination word, link path)
    if name == "ln" and ("s" in options or "--symbolic" in options):
        if target_dir is not None:
            pairs = [(o, posixpath.join(target_dir, posixpath.basename(o[0]))) for o in operands]
        elif len(operands) == 1:
            pairs = [(operands[0], posixpath.basename(operands[0][0].rstrip("/")))]
        elif len(operands) >= 2:
            last = operands[-1][0]
            pairs = [(o, posixpath.join(last, posixpath.basename(o[0].rstrip("/")))) for o in operands[:-1]]
            if len(operands) == 2:
                pairs.append((operands[0], last))
    elif name == "mount" and len(operands) == 2 and (options & _MOUNT_BIND or any("bind" in o for o in options)):
        pairs = [(operands[0], operands[1][0])]
    elif name == "bindfs" and len(operands) >= 2:
        pairs = [(operands[-2], operands[-1][0])]
    elif name in ("mv", "cp") and len(operands) == 2 and not operands[0][1]:
        source = _paths.lexical(operands[0][0], base)
        if source in links:
            dest = links[source]
            pairs = [((dest or "", dest is None), operands[1][0])]
    for (dest, dynamic), link in pairs:
        link_lex = _paths.lexical(link, base)
        if link_lex is None or posixpath.basename(link.rstrip("/")) in ("", ".", ".."):
            continue  # `ln -s .. up`'s reading as "into the directory `up`" names no new entry
        links[link_lex] = None if dynamic else _paths.lexical(dest, posixpath.dirname(link_lex))


def through_links(links: dict[str, str | None], path: str, base: str | None) -> str | None:
    """Where ``path`` leads through the links in ``links`` (an absolute path), ``""`` through a
    link whose destination is known only at run time, None when it passes through none."""
    lex = _paths.lexical(path, base)
    led = None
    for _ in range(8):  # a link to a link
        if lex is None:
            return led
        hit = next((k for k in links if lex == k or lex.startswith(k.rstrip("/") + "/")), None)
        if hit is None:
            return led
        dest = links[hit]
        if dest is None:
            return ""
        lex = led = posixpath.normpath(dest + lex[len(hit) :])
    return ""
