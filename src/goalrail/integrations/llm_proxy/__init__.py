"""OpenAI-compatible LLM proxy: ``llm_request`` before forwarding, ``llm_response``
and recorded usage after, so budgets, PII and routing policies govern any
OpenAI-compatible client.  ``routes`` mounts it in the server; ``goalrail
llm-proxy`` runs it alone.
"""
