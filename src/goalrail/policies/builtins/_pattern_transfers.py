"""A move's or a copy's two ends judged as the shell's ``mv`` and ``cp`` are (``_shell_file_effects``).

``mv a b`` reads and deletes ``a`` and writes ``b``; ``cp a b`` reads ``a`` and writes ``b``.  A tool
that moves or copies files (``move_file {source, destination}``, an MCP server's ``copy_file``,
``rename``; ``action["transfer"]``, set by ``engine.actions``) meets the same ``file_read``,
``file_delete`` and ``file_write`` rules for those ends, so moving ``~/.ssh/id_rsa`` to ``/tmp`` is
judged as ``mv ~/.ssh/id_rsa /tmp/x`` is, not only by the ``file_move`` rules.
"""

from __future__ import annotations

from collections.abc import Mapping

#: argument keys (lower case, without ``_`` and ``-``) naming what a move or copy takes, and where to
_SOURCES = frozenset({"source", "sources", "src", "from", "frompath", "sourcepath", "oldpath", "path", "filepath"})
_DESTINATIONS = frozenset(
    {"destination", "dest", "dst", "to", "target", "topath", "destinationpath", "destpath", "targetpath", "newpath"}
)


def _paths(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def transfer_effects(transfer: object, arguments: object) -> list[tuple[str, str]]:
    """The file actions a ``move`` or ``copy`` call makes: each source read (and deleted, for a move),
    the destination written; none unless both ends are named."""
    if transfer not in ("move", "copy") or not isinstance(arguments, Mapping):
        return []
    sources: list[str] = []
    destinations: list[str] = []
    for key, value in arguments.items():
        norm = key.lower().replace("_", "").replace("-", "") if isinstance(key, str) else ""
        if norm in _SOURCES:
            sources += _paths(value)
        elif norm in _DESTINATIONS:
            destinations += _paths(value)
    if not sources or not destinations:
        return []
    out = [("file_read", path) for path in sources]
    if transfer == "move":
        out += [("file_delete", path) for path in sources]
    return out + [("file_write", path) for path in destinations]
