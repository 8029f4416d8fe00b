"""MCP tools that run shell commands, read as the shell tool they are when no ``tool_mapping`` names them.

Desktop Commander's ``start_process {command}`` (and its older ``execute_command``), Serena's
``execute_shell_command {command, cwd}``, ``mcp-server-commands``' ``run_command {command}``,
``run_script {interpreter, script}`` and ``run_process {command_line | argv}``, ``mcp-shell-server``'s
``shell_execute {command: [argv]}``, iTerm's ``write_to_terminal {command}``, SSH servers' ``exec`` —
a call of one is ``sys_os_shell`` (``mapped_by: builtin:mcp-shell``): the builtins and rules read
its command as they read ``Bash``'s (``policies.commands``), so ``rm -rf /`` or ``cat ~/.ssh/id_rsa``
through ``mcp__serena__execute_shell_command`` meets what it meets through ``Bash``.  Desktop
Commander's ``interact_with_process {pid, input}`` types ``input`` into a process it started (a
shell, a REPL): that text is judged as the command (``action["command_in"]``).

A tool not listed is read so (``builtin:mcp-shell-args``) when both its name and its call say so:
the name has a word ``exec``, ``execute``, ``shell``, ``terminal``, ``command``, ``cmd``, ``bash``…
(or is ``run``), and the call names a command line under ``command``, ``cmd``, ``command_line``,
``script``… (``SHAPE_KEYS``).  ``run_report {query}``, ``execute_sql {sql}`` or a ``command`` naming
a palette entry of a tool with no such word stay judged by their names.  A server ``tool_mapping``
entry wins; an agent spec's cannot undo either reading (``ActionMapper.extended``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from goalrail.engine.mcp_files import folded


def _split(names: str) -> frozenset[str]:
    return frozenset(names.split())


#: every harness's own shell tool names are MCP shell tools too (``actions.HARNESS_ALIASES``, added there)
_KNOWN = (
    # Desktop Commander, Serena, mcp-server-commands, mcp-shell-server, iTerm, SSH and generic servers
    "start_process execute_command interact_with_process send_input execute_shell_command run_command run_script"
    " run_process shell_execute execute_shell run_shell shell_exec exec_shell execute_bash run_bash bash_exec"
    " run_terminal_cmd run_in_terminal terminal_execute shell_command run_shell_cmd run_shell_command sh zsh bash"
    " write_to_terminal exec exec_command ssh_exec execute_script run_shell_script"
)
#: the tools whose command is typed into a running process, by the key carrying it
COMMAND_IN = {folded("interact_with_process"): "input", folded("send_input"): "input"}
MCP_SHELL_NAMES = frozenset(folded(name) for name in _KNOWN.split())
SHELL = "builtin:mcp-shell"
SHAPED = "builtin:mcp-shell-args"
#: a word of a tool name that says it runs a command (with a command line in the call)
_SHELL_WORDS = _split("exec execute shell terminal command commands cmd bash sh zsh pwsh powershell console subprocess")
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
#: words naming a database (``policies.builtins._pattern_database``' dialects): its tools send statements
_DATABASES = _split(
    "sql postgres postgresql pg psql mysql mariadb sqlite duckdb clickhouse bigquery snowflake supabase database db"
    " cockroach cockroachdb tidb neon trino cql cassandra scylla planetscale mssql sqlserver oracle redis valkey"
    " keydb mongo mongodb mongosh"
)
#: argument keys (compared in lower case) under which a call names the command line it runs
SHAPE_KEYS = _split("command cmd command_line commandline cmdline shell_command bash_command script commands argv")


def mcp_shell(server: str, tool: str, harness: frozenset[str] = frozenset()) -> str | None:
    """How an MCP server's tool (``mcp__<server>__<tool>``) is read as a shell tool: :data:`SHELL` for
    a known name (``harness``: the harnesses' own shell tool names, folded, on any server), :data:`SHAPED`
    for a name saying it runs commands (a shell tool when its call names a command line,
    :func:`shell_shaped`), else None.  A database's tool (``mcp__redis__command``, ``mcp__db__exec``:
    a word of the server's or tool's name says so) sends statements, not shell commands: None."""
    name = folded(tool)
    if name in harness:
        return SHELL
    words = {w.lower() for w in _WORDS.findall(tool)}
    if not _DATABASES.isdisjoint(words) or not _DATABASES.isdisjoint(w.lower() for w in _WORDS.findall(server)):
        return None  # (judged by what it sends: the pattern policy's database statements)
    if name in MCP_SHELL_NAMES:
        return SHELL
    return SHAPED if not words.isdisjoint(_SHELL_WORDS) or name == "run" else None


def shell_shaped(arguments: object) -> bool:
    """Whether a call names a command line (a non-empty string, or a list of strings) under a
    :data:`SHAPE_KEYS` key."""
    if not isinstance(arguments, Mapping):
        return False
    for key, value in arguments.items():
        if isinstance(key, str) and key.lower() in SHAPE_KEYS:
            if isinstance(value, str) and value.strip():
                return True
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                return True
    return False


def typed_command(arguments: object, key: str) -> str | None:
    """The text a call types into a running process (``COMMAND_IN``'s key), or None."""
    value = arguments.get(key) if isinstance(arguments, Mapping) else None
    return value if isinstance(value, str) and value else None
