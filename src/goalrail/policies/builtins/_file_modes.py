"""A ``chmod`` mode as the permission bits it grants: ``a+rwx`` is ``0777``, so a rule written
on numeric modes (``.*:0?[0-7]?[0-7][2367]$``, world-writable) meets a symbolic one too."""

from __future__ import annotations

import re

__all__ = ["octal_mode"]

_SYMBOLIC = re.compile(r"([ugoa]*)([-+=])([rwxXst]*)")


def octal_mode(mode: str) -> str | None:
    """The permission bits a symbolic ``chmod`` mode grants, in octal (``a+rwx`` → ``0777``,
    ``go+w`` → ``0022``); a bare ``+w`` is taken as the owner's (the usual umask keeps it there)."""
    if not mode or mode[0].isdigit():
        return None
    bits = [0, 0, 0]
    for clause in mode.split(","):
        m = _SYMBOLIC.fullmatch(clause)
        if m is None:
            return None
        if m.group(2) == "-":
            continue
        value = sum(v for c, v in (("r", 4), ("w", 2), ("x", 1), ("X", 1)) if c in m.group(3))
        who = m.group(1) or "u"
        for k, c in enumerate("ugo"):
            if c in who or "a" in who:
                bits[k] |= value
    return "0" + "".join(map(str, bits)) if any(bits) else None
