"""Python SDK: ``goalrail.Client`` (remote), ``goalrail.Guard`` (in-process) and
``goalrail.guarded`` (a decorator for tool functions).  ``openai_agents`` adapts
a guard to the OpenAI Agents SDK's tool input guardrails (optional extra).
"""
