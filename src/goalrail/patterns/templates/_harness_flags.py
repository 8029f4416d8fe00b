"""A harness started with its permission layer or its hooks turned off or replaced.

Part of the guard (``_base.GUARD_LINES``, ``<prefix>_guard_shell``): an agent that starts another
agent, or itself, so that what it runs is no longer asked about or no longer passes Goalrail's
hooks has left the guard as surely as one that moved the hooks' files.  Each harness by the
names the shell analysis gives its program (the base name of a path, ``npx``/``bunx``/``pnpm
dlx``'s package, ``@scope/name``, an ``@version``), then its words, then one of its own options as
a word of its own before ``--`` (``_harness_words``: an option inside a quoted prompt is no
option), in every spelling its parser takes (``--opt=value``, a short option's value attached,
short options clustered), checked against each CLI's documentation or source:

* Claude Code (``claude``, ``claude-code``): ``--dangerously-skip-permissions`` and
  ``--allow-dangerously-skip-permissions``, ``--permission-mode bypassPermissions``,
  ``--settings`` (a file or JSON that may hold other hooks), ``--setting-sources`` (which
  settings files load, hence which hooks), ``--strict-mcp-config`` (only the MCP servers the line
  gives), ``--allowedTools``/``--allowed-tools`` granting all of ``Bash`` (``Bash``, ``Bash(*)``;
  ``Bash(git status)`` is a narrow grant).  ``acceptEdits`` and ``--disallowedTools`` are not.
* Codex (``codex``, clap: ``-anever``, ``-a=never``): ``--dangerously-bypass-approvals-and-sandbox``,
  ``--yolo``, ``-a``/``--ask-for-approval never``, ``-s``/``--sandbox danger-full-access``,
  ``-c``/``--config`` setting ``approval_policy`` to ``never``, ``sandbox_mode`` to
  ``danger-full-access`` (the key or value quoted or not, spaced or not) or any ``hooks`` key.
  ``--full-auto`` (sandboxed ``workspace-write``, approvals on request) and ``--profile`` (a
  profile lives in the guarded ``config.toml``) are not.
* Gemini CLI (``gemini``) and Qwen Code (``qwen``), which shares its options (yargs: any ``y`` in
  a cluster of letters, ``-sy``, ``-ys``, and camel-case names): ``--yolo``, ``-y``,
  ``--approval-mode yolo``, ``--allowed-tools`` granting ``run_shell_command`` or ``ShellTool``
  whole.  ``auto_edit`` (edits only) is not.
* Cursor's agent (``cursor-agent``, ``agent`` only as a command's program): ``-f`` (alone or in a
  cluster), ``--force``, ``--yolo``, ``--sandbox disabled``, ``--approve-mcps``.
* Amp (``amp``): ``--dangerously-allow-all``.  Aider (``aider``): ``--yes-always``.
* The others (``_harness_more``): OpenCode, GitHub Copilot CLI, Factory's droid, Crush, Kiro,
  Cline, Continue's ``cn``, OpenHands; and the environment that loosens a harness at its start.

Case-sensitive (the options are).  No lookaround (RE2).
"""

from __future__ import annotations

from goalrail.patterns.templates._harness_more import HARNESS_ENV, MORE_HARNESSES, MORE_PROGRAMS
from goalrail.patterns.templates._harness_words import (
    AT,
    END,
    HEAD,
    LIST,
    PROGRAM,
    TOOL_END,
    VAL,
    WORDS,
    cluster,
    value,
)

__all__ = ["HARNESS_LOOSENED"]

_ARGS = rf"{HEAD}{WORDS}"

_CLAUDE = (
    rf"claude(-code)?{_ARGS}(--(allow-)?dangerously-skip-permissions{END}"
    rf"|--permission-mode{VAL}{value('bypassPermissions')}"
    rf"|--settings{END}|--setting-sources{END}|--strict-mcp-config{END}"
    rf"|--allowed-?[Tt]ools{LIST}Bash(\(\*\)|\(:\*\))?{TOOL_END})"
)
#: a value of Codex's ``-c key=value`` (the word maybe quoted, the key and value too)
_CODEX_KEY = (
    r"['\"]?(['\"]?approval_policy['\"]?\s*=\s*['\"]?never|['\"]?sandbox_mode['\"]?\s*=\s*['\"]?danger-full-access"
    r"|['\"]?hooks['\"]?[.=\s])"
)
_CODEX = (
    rf"codex{_ARGS}(--dangerously-bypass-approvals-and-sandbox{END}|--yolo{END}"
    rf"|(-a(=|\s+)?|--ask-for-approval(=|\s+)){value('never')}"
    rf"|(-s(=|\s+)?|--sandbox(=|\s+)){value('danger-full-access')}"
    rf"|(-c(=|\s+)?|--config(=|\s+)){_CODEX_KEY})"
)
_GEMINI = (
    rf"(gemini|qwen)(-cli|-code)?{_ARGS}(--yolo{END}|{cluster('y', 'A-Za-xz')}"
    rf"|--approval-?[Mm]ode{VAL}{value('yolo')}"
    rf"|--allowed-?[Tt]ools{LIST}(run_shell_command|ShellTool){TOOL_END})"
)
_CURSOR = (
    rf"{_ARGS}({cluster('f', 'A-Za-eg-z')}|--force{END}|--yolo{END}|--approve-mcps{END}"
    rf"|--sandbox{VAL}{value('disabled')})"
)
_OTHERS = rf"cursor-agent{_CURSOR}|amp{_ARGS}--dangerously-allow-all{END}|aider(-chat)?{_ARGS}--yes-always{END}"
#: Cursor's ``agent`` and Continue's ``cn``, common words (``kubectl logs agent -f``), only as a
#: command's program
HARNESS_LOOSENED = (
    rf"{AT}({_CLAUDE}|{_CODEX}|{_GEMINI}|{_OTHERS}|{MORE_HARNESSES})"
    rf"|{PROGRAM}(agent{_CURSOR}|{MORE_PROGRAMS})|{HARNESS_ENV}"
)
