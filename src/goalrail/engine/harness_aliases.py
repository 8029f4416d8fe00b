"""Harness-native tool names onto Goalrail's canonical tools (``actions.ActionMapper`` reads them):
one table for every harness, keys exact names (``actions`` also compares them folded)."""

from __future__ import annotations

#: Harness-native names.  One table for every harness; keys are exact names.
HARNESS_ALIASES: dict[str, str] = {
    # Claude Code
    "Bash": "sys_os_shell",
    "Read": "sys_os_read",
    "Write": "sys_os_write",
    "Edit": "sys_os_edit",
    "MultiEdit": "sys_os_edit",
    "NotebookEdit": "sys_os_edit",
    "NotebookRead": "sys_os_read",
    "Glob": "sys_os_read",
    "Grep": "sys_os_read",
    "LS": "sys_os_read",
    "WebFetch": "web_fetch",
    "WebSearch": "web_search",
    "Skill": "load_skill",
    "SlashCommand": "load_skill",  # `/name args`: a skill or a custom command, loaded by name
    "PowerShell": "sys_os_shell",  # Claude Code's shell tool on Windows (`command`), hooked as `PowerShell`
    "Monitor": "sys_os_shell",  # Claude Code 2.1's background watch: `command` runs as Bash's (`ws`: below)
    "LSP": "sys_os_read",  # Claude Code 2.1's language-server queries (`filePath`: hover, symbols… of that file)
    "SendUserFile": "sys_os_read",  # Claude Code 2.1 hands the `files` to another Claude Code session
    "Artifact": "sys_os_read",  # Claude Code 2.1 publishes (uploads) `file_path`/`file_paths` to claude.ai
    "MonitorWebSocket": "network_connect",  # the Claude Code hook's name for a `Monitor` opening `ws.url`
    "EnterWorktree": "sys_os_enter_worktree",  # Claude Code 2.1: `git worktree add` (`name`) or `path`, then cd
    "ExitWorktree": "sys_os_exit_worktree",  # back to the launch directory; `action: remove` removes the worktree
    # Codex, Cursor, OpenCode, Pi, Hermes, Goose and generic agents
    "shell": "sys_os_shell",
    "Shell": "sys_os_shell",
    "bash": "sys_os_shell",
    "local_shell": "sys_os_shell",
    "exec_command": "sys_os_shell",
    "run_command": "sys_os_shell",
    "execute_command": "sys_os_shell",
    "run_shell_command": "sys_os_shell",
    "terminal": "sys_os_shell",
    "powershell": "sys_os_shell",  # pi's and other agents' PowerShell tool
    "developer__shell": "sys_os_shell",
    "apply_patch": "sys_os_edit",
    "edit": "sys_os_edit",
    "edit_file": "sys_os_edit",
    "str_replace_based_edit_tool": "sys_os_edit",
    "developer__text_editor": "sys_os_edit",
    "developer__edit": "sys_os_edit",
    "read": "sys_os_read",
    "read_file": "sys_os_read",
    "grep": "sys_os_read",
    "glob": "sys_os_read",
    "search_files": "sys_os_read",
    "list_directory": "sys_os_read",
    "write": "sys_os_write",
    "write_file": "sys_os_write",
    "create_file": "sys_os_write",
    "developer__write": "sys_os_write",
    "delete_file": "sys_os_delete",
    "fetch": "web_fetch",
    "http_get": "web_fetch",
    "web_fetch": "web_fetch",
    "web_search": "web_search",
    # Gemini CLI (run_shell_command, write_file, read_file, list_directory, glob, web_fetch above)
    "replace": "sys_os_edit",
    "read_many_files": "sys_os_read",
    "grep_search": "sys_os_read",
    "search_file_content": "sys_os_read",  # grep_search's former name, still accepted as an alias
    "google_web_search": "web_search",
    "activate_skill": "load_skill",  # `name`: the skill whose SKILL.md it loads
    "read_mcp_resource": "sys_os_read",  # Gemini 0.61: `uri` only, of a resource a server listed (Codex's: renamed)
    "save_memory": "sys_os_write",  # `fact`: appended to ~/.gemini/GEMINI.md, read by every later session
    # Codex (exec_command, shell, local_shell, apply_patch above; its hooks name shell commands `Bash`)
    "shell_command": "sys_os_shell",  # `command` (a string) and `workdir`
    "container.exec": "sys_os_shell",  # the shell tool's older name (argv `command`, `workdir`)
    "unified_exec": "sys_os_shell",
    "list_dir": "sys_os_read",
    "grep_files": "sys_os_read",
    "view_image": "sys_os_read",
    # OpenCode (bash, read, write, edit, grep, glob above)
    "webfetch": "web_fetch",
    "websearch": "web_search",
    "patch": "sys_os_edit",
    "multiedit": "sys_os_edit",  # `filePath` and `edits` (in some versions a `filePath` per edit)
    "list": "sys_os_read",
    "skill": "load_skill",
    # Cursor's agent tools (its hooks name shell commands separately; `preToolUse` names the rest)
    "StrReplace": "sys_os_edit",
    "TabWrite": "sys_os_write",
    "Delete": "sys_os_delete",
    "Fetch": "web_fetch",
    "Ls": "sys_os_read",
    "run_terminal_cmd": "sys_os_shell",
    "file_search": "sys_os_read",
    # Cline / Roo Code
    "write_to_file": "sys_os_write",
    "replace_in_file": "sys_os_edit",
    "apply_diff": "sys_os_edit",
    "insert_content": "sys_os_edit",
    "search_and_replace": "sys_os_edit",
    "list_files": "sys_os_read",
    # Windsurf
    "view_file": "sys_os_read",
    "find_by_name": "sys_os_read",
    "read_url_content": "web_fetch",
    # OpenHands, SWE-agent, Anthropic's computer-use tools
    "execute_bash": "sys_os_shell",
    "str_replace_editor": "sys_os_edit",
    # Continue
    "builtin_run_terminal_command": "sys_os_shell",
    "builtin_read_file": "sys_os_read",
    "builtin_create_new_file": "sys_os_write",
    "builtin_edit_existing_file": "sys_os_edit",
}

#: Work that runs later or elsewhere, a ``process_spawn`` judged by what it will run: Claude Code 2.1's
#: ``CronCreate``/``ScheduleWakeup`` (the ``prompt`` fired later), ``Workflow`` (a JavaScript ``script`` or
#: ``scriptPath`` spawning agents), ``RemoteTrigger`` (remote agents' ``body``), Codex's code-mode ``exec``.
HARNESS_ALIASES.update(
    dict.fromkeys(("CronCreate", "ScheduleWakeup", "Workflow", "RemoteTrigger", "exec"), "process_spawn")
)
