"""Integrations: turn what real agents do into Goalrail events, and verdicts back.

One subpackage per harness (Claude Code hooks, MCP proxy and chat-policy
server, OpenAI-compatible LLM proxy, Python SDK).  They only translate foreign
payloads; the server (or the in-process runtime) applies the canonical tool
mapping and the policies.  Every integration fails closed when the server
cannot be reached.
"""
