"""OpenCode: a small JavaScript plugin (``plugin.js``) on ``tool.execute.before``
that posts each tool call to Goalrail and throws to block it; ``install``
copies it into ``.opencode/plugin/`` with the server and token settings.
"""
