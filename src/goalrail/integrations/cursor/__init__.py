"""Cursor: ``hooks.json`` hooks (``beforeShellExecution``, ``beforeMCPExecution``,
``beforeReadFile``, ``beforeSubmitPrompt``…) in, ``permission`` answers out.

``translate`` maps the hook JSON to Goalrail events and verdicts back;
``install`` merges the hooks into ``.cursor/hooks.json``.
"""
