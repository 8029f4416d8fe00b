"""Codex CLI: hook payloads in, hook decisions out.

``translate`` maps Codex's hook JSON (``PreToolUse``, ``PostToolUse``,
``UserPromptSubmit``, ``SessionStart``) to Goalrail events and verdicts back;
``install`` writes the hooks into Codex's ``hooks.json`` and records their
trust in ``$CODEX_HOME/config.toml``.  The HTTP call lives in
``goalrail.integrations.hookcore``.
"""
