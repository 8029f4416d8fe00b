"""Builtin policies, one topic per module (handler paths are public API).

Each module exports ``POLICY_REGISTRY``.  Builtins are factories: validated
keyword parameters in, a pure callable out.  Shared analysis (shell parsing,
paths, PII, pricing) lives in private ``_*.py`` modules.  May import
``goalrail.policies.schema`` and ``goalrail.errors`` only.
"""
