"""The files a shell command line writes, with their text where the line shows it.

``_shell_files`` follows, within one line, which files the line writes and what it puts in
them (``echo '…' > f``, ``cat > f <<EOF``, ``… | tee f``, a download, a copy); the runtime keeps
the same for later lines (``goalrail.policies.written``).  Every other file the line's file
effects write (``sed -i``, ``cp`` from a file the line did not write, ``python -c 'open(…,"w")'``,
``touch``…) is written with its text unknown.  A write to a path named only at run time
(``> "$F"``) or under a directory (``cp -r``, ``tar -x``) is not remembered.
"""

from __future__ import annotations

from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_file_effects import file_effects
from goalrail.policies.builtins._shell_file_words import EXACT
from goalrail.policies.builtins._shell_files import _CHDIRS, _WRITERS, Files, _writes

__all__ = ["line_writes"]

_WRITE = "file_write"


def line_writes(line: str) -> list[tuple[str, str | None]]:
    """The files ``line`` writes (paths as the line spells them, relative to where it starts) and
    their text, None where the line does not show it."""
    if type(line) is not str:
        return []
    effects = [path for kind, path, sure, _ in file_effects(line) if kind == _WRITE and sure == EXACT]
    if not effects:
        return []
    analysis = analyze(line)
    files = Files()
    if any(c.redirects or c.name in _WRITERS for c in analysis.commands):
        for cmd in analysis.commands:
            if cmd.name in _CHDIRS:
                files.chdir(cmd)
            _writes(cmd, files)
    out = {path: text for path, text in files.texts.items() if path and not path.startswith("\0")}
    for path in effects:
        if path and not path.endswith("/") and path not in out and not path.startswith("/dev/"):
            out[path] = None
    return list(out.items())
