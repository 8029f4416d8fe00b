"""A harness started with its permission layer or its hooks turned off or replaced.

Part of the guard (``_base.GUARD_LINES``, ``<prefix>_guard_shell``): an agent that starts another
agent, or itself, so that what it runs is no longer asked about or no longer passes Goalrail's
hooks has left the guard as surely as one that moved the hooks' files.  Each harness by the
names the shell analysis gives its program (the base name of a path, ``npx``/``bunx``/``pnpm
dlx``'s package, ``@scope/name``, an ``@version``), then any words (not past ``;``, ``&``,
``|``), then one of its own options, checked against each CLI's documentation or source:

* Claude Code (``claude``, ``claude-code``): ``--dangerously-skip-permissions`` and
  ``--allow-dangerously-skip-permissions``, ``--permission-mode bypassPermissions``,
  ``--settings`` (a file or JSON that may hold other hooks), ``--setting-sources`` (which
  settings files load, hence which hooks), ``--strict-mcp-config`` (only the MCP servers the line
  gives), ``--allowedTools``/``--allowed-tools`` granting all of ``Bash`` (``Bash``, ``Bash(*)``;
  ``Bash(git status)`` is a narrow grant).  ``acceptEdits`` and ``--disallowedTools`` are not.
* Codex (``codex``): ``--dangerously-bypass-approvals-and-sandbox``, ``--yolo``,
  ``-a``/``--ask-for-approval never``, ``-s``/``--sandbox danger-full-access``, ``-c``/``--config``
  setting ``approval_policy`` to ``never``, ``sandbox_mode`` to ``danger-full-access`` or any
  ``hooks`` key.  ``--full-auto`` (sandboxed ``workspace-write``, approvals on request) and
  ``--profile`` (a profile lives in the guarded ``config.toml``) are not.
* Gemini CLI (``gemini``) and Qwen Code (``qwen``), which shares its options: ``--yolo``, ``-y``,
  ``--approval-mode yolo``, ``--allowed-tools`` granting ``run_shell_command`` or ``ShellTool``
  whole.  ``auto_edit`` (edits only) is not.
* Cursor's agent (``cursor-agent``, ``agent``): ``-f``, ``--force``, ``--yolo``, ``--sandbox disabled``,
  ``--approve-mcps`` (every MCP server approved unasked).
* Amp (``amp``): ``--dangerously-allow-all``.  Aider (``aider``): ``--yes-always``.

Case-sensitive (the options are).  A mention of the option inside a prompt on the same command
(``claude -p 'why --settings?'``) meets it too.  No lookaround (RE2).
"""

from __future__ import annotations

__all__ = ["HARNESS_LOOSENED"]

#: where a program's name starts: the line's start, a separator, a quote, a path's or a scope's ``/``
_AT = r"(^|[\s;&|(`'\"/])"
#: after the name: an ``@version``, a Windows suffix, then the words before the option
_ARGS = r"(@[\w.^~-]*)?(\.exe|\.cmd|\.js)?\s([^;&|\n]*\s)?['\"]?"
#: an option word's end
_END = r"(['\"=\s]|$)"
#: a value of an option, after ``=`` or spaces, maybe quoted
_VAL = r"(=|\s+)['\"]?"
#: a grant of a whole tool in a list (``Bash``, ``Bash(*)``, ``"Read,Bash"``): the list's words
#: (not options) before it, then the tool not narrowed by a specifier (``Bash(git status)`` is)
_LIST = r"(=|\s+)(['\"]?[^-\s;&|,'\"][^\s;&|,'\"]*['\"]?[\s,]+)*['\"]?([^\s;&|'\"]*,)?"

_CLAUDE = (
    rf"claude(-code)?{_ARGS}(--(allow-)?dangerously-skip-permissions{_END}|--permission-mode{_VAL}bypassPermissions"
    rf"|--settings{_END}|--setting-sources{_END}|--strict-mcp-config{_END}"
    rf"|--allowed-?[Tt]ools{_LIST}Bash(\(\*\)|\(:\*\))?([\s,'\"]|$))"
)
_CODEX = (
    rf"codex{_ARGS}(--dangerously-bypass-approvals-and-sandbox{_END}|--yolo{_END}"
    r"|(-a\s*|--ask-for-approval[=\s]+)['\"]?never|(-s\s*|--sandbox[=\s]+)['\"]?danger-full-access"
    r"|(-c\s*|--config[=\s]+)['\"]?(approval_policy\s*=\s*['\"]?never|sandbox_mode\s*=\s*['\"]?danger-full-access"
    r"|hooks[.=\s]))"
)
_GEMINI = (
    rf"(gemini|qwen)(-cli|-code)?{_ARGS}(--yolo{_END}|-y{_END}|--approval-mode{_VAL}yolo"
    rf"|--allowed-tools{_LIST}(run_shell_command|ShellTool)([\s,'\"]|$))"
)
_CURSOR = rf"{_ARGS}(-f{_END}|--force{_END}|--yolo{_END}|--approve-mcps{_END}|--sandbox{_VAL}disabled)"
_OTHERS = rf"cursor-agent{_CURSOR}|amp{_ARGS}--dangerously-allow-all{_END}|aider(-chat)?{_ARGS}--yes-always{_END}"
#: Cursor's ``agent``, a common word (``kubectl logs agent -f``), only as a command's program
HARNESS_LOOSENED = rf"{_AT}({_CLAUDE}|{_CODEX}|{_GEMINI}|{_OTHERS})|(^|[;&|(`]\s*|/)agent{_CURSOR}"
