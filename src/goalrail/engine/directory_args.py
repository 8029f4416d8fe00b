"""The argument keys of a tool call naming the directory it runs in (``action["dir_args"]``, read
by ``actions.ActionMapper``): Codex's ``workdir``, Gemini CLI's ``dir_path``, ``cwd``… in any case."""

from __future__ import annotations

#: argument keys (compared case-insensitively) naming the directory a tool runs in, e.g.
#: Codex's ``workdir`` on ``exec_command``/``shell``, Gemini CLI's ``dir_path`` (formerly ``directory``)
#: on ``run_shell_command``; carried as ``action["dir_args"]``
DIRECTORY_ARGUMENTS = frozenset(
    (  # noqa: SIM905
        "workdir work_dir cwd working_directory working_dir workingdirectory workingdir directory dir dir_path dirpath"
        " chdir"
    ).split()
)
