"""MCP integrations: ``proxy`` governs an upstream MCP server's tools
(``goalrail mcp-proxy``); ``chat_server`` gives an agent ``sys_add_policy``,
``sys_policy_registry`` and ``sys_list_policies`` (``goalrail mcp``); ``ask``
turns an ASK into a human answer (MCP elicitation + waiting on the approval).
"""
