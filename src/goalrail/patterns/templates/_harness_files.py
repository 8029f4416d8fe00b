"""The agent harnesses' own settings, as a path rule names them (``GUARD_FILES``, the agent's guard).

An agent that rewrote one of these could loosen its own approvals (or the next session's), start
an MCP server or a hook that runs code outside the guard, or take Goalrail's hooks out.  Each file
below holds a harness's permission or approval settings, its MCP servers or its hooks, at project
level (``(.*/)?``: under any directory) or user level, where Linux, macOS and Windows keep it (a
Windows path is read with ``/``: ``%APPDATA%\\Code\\User\\settings.json`` is
``…/AppData/Roaming/Code/User/settings.json``).  Each location was confirmed in the harness's
documentation or the configuration loaders that read it, except where marked *by analogy*:

* Claude Code: ``.claude/settings(.local).json``, ``~/.claude.json``, ``.mcp.json``; managed settings
  in ``/etc/claude-code/``, macOS's ``/Library/Application Support/ClaudeCode/``, Windows'
  ``C:\\ProgramData\\ClaudeCode\\``.
* Gemini CLI: ``.gemini/settings.json``, its policy files ``.gemini/policies/`` and extensions
  ``.gemini/extensions/`` (an extension declares MCP servers); ``/etc/gemini-cli/``.  Qwen Code (a
  Gemini CLI fork): the same names under ``.qwen/``; ``/etc/qwen-code/`` *by analogy*.
* Codex: ``config.toml``, ``hooks.json``, ``requirements.toml``, its exec-policy rules
  (``.codex/rules/*.rules``, the older ``.codex/policy/*.codexpolicy``); ``/etc/codex/``.
* Cursor: ``.cursor/hooks.json``, ``mcp.json``, ``cli-config.json``, a project's ``cli.json``,
  ``~/.config/cursor/``.
* GitHub Copilot CLI: ``~/.copilot/`` (``config.json``: trusted folders; ``settings.json``,
  ``mcp-config.json``; ``hooks/``), and a repository's hooks ``.github/hooks/*.json`` (read by
  Copilot CLI, its cloud agent and VS Code's agent hooks).
* VS Code and its forks (Cursor, Windsurf, Kiro, Trae, VSCodium, Positron): a workspace's
  ``.vscode/settings.json`` (``chat.tools.autoApprove``, ``chat.tools.terminal.autoApprove``…) and
  ``.vscode/mcp.json``, a ``*.code-workspace`` file's settings, the user's ``<App>/User/settings.json``
  and ``mcp.json`` (and a profile's); Cline's, Roo Code's and Kilo Code's MCP settings in the
  editor's ``globalStorage``.  ``.vscode/launch.json``, ``tasks.json``, ``extensions.json`` are not.
* Windsurf: ``~/.codeium/windsurf/mcp_config.json`` and ``hooks.json`` (also ``windsurf-next``,
  ``-insiders``), a project's ``.windsurf/hooks.json`` (and the older ``.devin/hooks.json``).
* OpenCode: ``opencode.json``/``opencode.jsonc`` (a project's, ``~/.config/opencode/``'s, the older
  ``config.json``) and its plugins (code it runs), in ``.opencode/`` or ``~/.config/opencode/``.
* aider: ``.aider.conf.yml`` (``yes-always``, the lint and test commands it runs).
* Kiro: ``.kiro/settings/`` (``mcp.json``), ``.kiro/hooks/``, ``.kiro/agents/`` (allowed tools,
  hooks).  ``.kiro/specs/`` and ``.kiro/steering/`` are the agent's work, not its permissions.
* Cline: hooks in ``.clinerules/hooks/``, ``~/Documents/Cline/Hooks/``, ``.cline/hooks/`` and
  ``~/.cline/hooks/``, plugins in ``.cline/plugins/``, settings in ``~/.cline/data/settings/``, MCP
  in ``~/Documents/Cline/MCP/``; ``.clinerules`` rules are instructions, not permissions, and
  stay writable.  Roo Code: ``.roo/mcp.json`` and ``.roomodes`` (each mode's tool groups).  Kilo
  Code: ``.kilocode/mcp.json``.
* Continue: ``.continue/config.yaml`` (``.json``, ``.ts``, ``.js``), ``~/.continue/permissions.yaml``
  (its CLI's tool permissions), ``.continue/mcpServers/``, ``.continuerc.json``.
* Amp: ``~/.config/amp/settings.json`` (``.jsonc``), ``.amp/settings.json``; managed settings in
  ``/etc/ampcode/``, ``/Library/Application Support/ampcode/``, ``C:\\ProgramData\\ampcode\\``.
* Crush: ``crush.json``, ``.crush.json``, ``~/.config/crush/`` (``crush.json``, ``crushrc``).
* Factory's droid: ``.factory/settings.json``, ``settings.local.json``, ``config.json``, ``mcp.json``,
  ``hooks/``.
* OpenHands: ``~/.openhands/agent_settings.json``, ``cli_config.json``, ``mcp.json``
  (``settings.json`` *by analogy*), and a repository's ``.openhands/setup.sh`` and
  ``pre-commit.sh`` (run by the agent at the start of its work and at a commit).
* Auggie: ``.augment/settings.json``, ``settings.local.json``, ``/etc/augment/``.
* Zed: ``.zed/settings.json``, ``~/.config/zed/settings.json`` (macOS's and Windows' ``Zed/settings.json``).
* JetBrains Junie: ``.junie/config.json``, ``settings.json``, ``allowlist.json``, ``.junie/mcp/``.
* Goose: ``config.yaml`` and ``permission.yaml`` in ``~/.config/goose/`` (Windows'
  ``%APPDATA%\\Block\\goose\\config\\``) and its ``permissions/``.

The directories holding them are guarded whole (``rm -rf ~/.copilot``, ``mv .kiro x``, ``cp -r
x/.continue ~/``), the rest of what is under them is not (``.claude/commands/``, ``.kiro/specs/``,
``.vscode/launch.json``).  And Goalrail's own home and program.  The target is a path, or a
``file_chmod`` target ``path:mode``.  No lookaround (RE2).
"""

from __future__ import annotations

__all__ = ["GUARD_FILES", "HOME"]

#: where a home directory is, as a path spells it (``~``, ``/home/me``, ``/Users/me``, ``/root``)
HOME = r"(~|\$HOME|/home/[^/]+|/Users/[^/]+|/root|/var/root)"
#: VS Code and the editors built on it, as their user settings' directory names them
_EDITORS = r"(code|code - insiders|code - oss|vscodium|cursor|windsurf|windsurf - next|kiro|trae|positron)"
#: the VS Code extensions that keep an agent's MCP settings in the editor's storage (Cline, Roo, Kilo)
_EXTENSIONS = r"(saoudrizwan\.claude-dev|rooveterinaryinc\.roo-cline|kilocode\.kilo-code)"
#: a file or directory of these names, under any directory
_NAMES = (
    r"\.claude/settings(\.local)?\.json|\.claude\.json|\.mcp\.json"
    r"|\.(gemini|qwen)/(settings\.json|policies(/.*)?|extensions(/.*)?)"
    r"|\.codex/(config\.toml|hooks\.json|requirements\.toml|rules(/.*)?|policy(/.*)?)"
    r"|\.cursor/(hooks|mcp|cli-config|cli)\.json|\.config/cursor(/cli-config\.json)?/?"
    r"|\.copilot/([^/]+\.json|hooks(/.*)?)|\.github/hooks(/.*)?"
    r"|\.vscode/(settings|mcp)\.json|[^/]*\.code-workspace"
    rf"|{_EDITORS}/user(/profiles/[^/]+)?/(settings|mcp)\.json|user/globalstorage/{_EXTENSIONS}/settings/[^/]+\.json"
    r"|\.codeium/(windsurf(-next|-insiders)?/)?(mcp_config|hooks)\.json|\.(windsurf|devin)/hooks\.json"
    r"|opencode\.jsonc?|(\.config/opencode|\.opencode)(/config\.json|/plugins?(/.*)?)?/?"
    r"|\.aider\.conf\.ya?ml|\.kiro/(settings|hooks|agents)(/.*)?"
    r"|\.clinerules/hooks(/.*)?|documents/cline/(hooks|mcp)(/.*)?|\.cline/(data/settings|hooks|plugins)(/.*)?"
    r"|\.roo/mcp\.json|\.roomodes|\.kilocode/mcp\.json"
    r"|\.continue/(config\.(ya?ml|json|ts|js)|permissions\.ya?ml|mcpservers(/.*)?)|\.continuerc\.json"
    r"|(\.config/amp|\.amp)/settings\.jsonc?|\.?crush\.json|\.config/crush(/crushrc)?/?"
    r"|\.factory/((settings(\.local)?|config|mcp)\.json|hooks(/.*)?)"
    r"|\.openhands/((agent_settings|cli_config|settings|mcp)\.json|setup\.sh|pre-commit\.sh)"
    r"|\.augment/settings(\.local)?\.json|\.?zed/settings\.json|\.junie/((config|settings|allowlist)\.json|mcp(/.*)?)"
    r"|(\.config/goose|block/goose/config)/(config|permission)\.yaml|\.config/goose/permissions(/.*)?"
    r"|\.(claude|gemini|codex|cursor|qwen|copilot|kiro|continue|factory|openhands|augment|junie|windsurf|cline"
    r"|vscode|zed)/?|\.config/(goose|amp|zed)/?|\.codeium/windsurf(-next|-insiders)?/?"
    r"|\.goalrail(/.*)?|(site|dist)-packages/goalrail(/.*)?|bin/goalrail"
)
#: managed (administrator's) settings, machine-wide
_MANAGED = (
    r"/etc/(claude-code|gemini-cli|codex|qwen-code|augment|ampcode)(/.*)?"
    r"|/library/application support/(claudecode|ampcode)(/.*)?|(.*/)?programdata/(claudecode|ampcode)(/.*)?"
)
GUARD_FILES = rf"(?i)((.*/)?({_NAMES})|{_MANAGED}|{HOME}/\.config/?)(:[^/]*)?$"
