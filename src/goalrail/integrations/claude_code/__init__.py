"""Claude Code: hook payloads in, hook decisions out.

``translate`` maps hook input JSON to Goalrail events and verdicts to Claude
Code's hook output; ``hook_main`` is the lean ``goalrail hook claude-code``
command; ``http`` serves the same translation for Claude Code's ``http`` hook
type; ``install`` merges the hook configuration into settings.json.
"""
