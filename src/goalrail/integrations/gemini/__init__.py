"""Gemini CLI: ``BeforeTool``/``AfterTool``/``BeforeAgent`` hooks in, decisions out.

``translate`` maps the hook JSON to Goalrail events and verdicts back;
``install`` merges the hooks into ``.gemini/settings.json``.
"""
