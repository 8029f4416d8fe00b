"""Builtin policies, one topic per module (handler paths are public API).

Each module declares its builtins once, with ``@builtin`` and a ``Param`` per
parameter (``goalrail.policies.declare``), and exports the ``POLICY_REGISTRY``
derived from them; every public module here is found by the registry without
a list.  Builtins are factories: validated keyword parameters in, a pure
callable out.  Shared analysis (shell parsing, paths, PII, pricing) lives in
private ``_*.py`` modules.  May import ``goalrail.policies`` and
``goalrail.errors`` only (``patterns`` also runs ``goalrail.patterns``).
"""
