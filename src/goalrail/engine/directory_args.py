"""The arguments of a tool call naming the directory it runs in (``action["dir_args"]``): Codex's
``workdir``, Gemini CLI's ``dir_path``, ``cwd``… in any case."""

from __future__ import annotations

from collections.abc import Mapping

#: argument keys (compared case-insensitively) naming the directory a tool runs in, e.g.
#: Codex's ``workdir`` on ``exec_command``/``shell``, Gemini CLI's ``dir_path`` (formerly ``directory``)
#: on ``run_shell_command``; carried as ``action["dir_args"]``
DIRECTORY_ARGUMENTS = frozenset(
    (  # noqa: SIM905
        "workdir work_dir cwd working_directory working_dir workingdirectory workingdir directory dir dir_path dirpath"
        " chdir"
    ).split()
)


def directory_arguments(arguments: Mapping[str, object]) -> dict[str, object] | None:
    """The arguments naming a working directory, by the key the harness used (a plain loop:
    this runs for every tool call, and nearly always finds nothing)."""
    found: dict[str, object] | None = None
    for key in arguments:
        named = DIRECTORY_KEYS.get(key)  # (``key.lower()``, a new string, once per short key seen)
        if named is None:
            named = isinstance(key, str) and key.lower() in DIRECTORY_ARGUMENTS
            if len(DIRECTORY_KEYS) < 4096 and isinstance(key, str) and len(key) <= 64:
                DIRECTORY_KEYS[key] = named
                if not named:
                    NOT_DIRECTORY.add(key)
        if named:
            if found is None:
                found = {}
            found[key] = arguments[key]
    return found


#: Whether an argument key names a working directory, by the short keys seen (bounded in number and size).
DIRECTORY_KEYS: dict[object, bool] = {}
#: The keys of ``DIRECTORY_KEYS`` that name none: a call whose keys are all here has no ``dir_args``.
NOT_DIRECTORY: set[object] = set()
