"""A harness's own command that writes its settings: an MCP server added, an extension or plugin
installed, a permission or setting stored (part of ``_base.GUARD_LINES``, ``<prefix>_guard_shell``).

Each writes a file of ``GUARD_FILES`` that no path on the line names, so the file rules cannot see
it: ``claude mcp add x -- npx server`` writes ``.mcp.json`` or ``~/.claude.json``, ``gemini
extensions install URL`` an extension under ``~/.gemini/extensions/`` (its MCP servers run),
``code --add-mcp '{…}'`` the editor's user ``mcp.json``.  Confirmed in each CLI's documentation or
the SDKs that drive it: ``claude mcp add``/``add-json``/``add-from-claude-desktop``, ``claude
plugin install``, ``claude plugin marketplace add``, ``claude config set``; ``gemini mcp add``,
``gemini extensions install``/``link``; ``codex mcp add``; ``amp mcp add``/``approve``,
``amp permissions add``; ``openhands mcp add``; VS Code's (and its forks') ``--add-mcp``.  By
analogy (the same subcommands in a fork or a sibling CLI): ``qwen``'s, ``opencode mcp add``,
``droid``, ``kiro-cli``, ``auggie``, ``cursor-agent`` and ``copilot`` ``mcp add`` and ``plugin
install``.  Listing or reading (``claude mcp list``, ``codex mcp get``, ``claude config get``)
is none.  The program is read as ``_harness_words`` reads it (a path's base name, ``npx``'s
package, a word of its own), case-sensitive.  No lookaround (RE2).
"""

from __future__ import annotations

from goalrail.patterns.templates._harness_words import AT, END, HEAD, WORDS

__all__ = ["HARNESS_SETTING_COMMANDS"]

#: the harnesses' programs (none shorter than four letters: ``_option_rules`` tells a line's programs
#: apart by these names rather than by the subcommands' common words, ``config``, ``add``)
_AGENTS = (
    r"(claude(-code)?|gemini(-cli)?|qwen(-code)?|codex|opencode(-ai)?|droid|kiro(-cli)?|auggie|openhands"
    r"|cursor-agent|copilot)"
)
_WRITES = (
    rf"(mcp\s+(add|add-json|add-from-claude-desktop|approve){END}|(extensions?|plugins?)\s+(install|link|add){END}"
    rf"|plugins?\s+marketplace\s+add{END}|config\s+set{END}|permissions?\s+add{END})"
)
#: Amp's (a short name: its own branch, told apart by it)
_AMP = rf"amp{HEAD}{WORDS}(mcp\s+(add|approve)|permissions?\s+add){END}"
_EDITORS = r"(code|code-insiders|codium|cursor|windsurf|kiro)"
HARNESS_SETTING_COMMANDS = rf"{AT}({_AGENTS}{HEAD}{WORDS}{_WRITES}|{_AMP}|{_EDITORS}{HEAD}{WORDS}--add-mcp{END})"
