"""The Agent OS declarative policy model (seed 004) inside Goalrail.

``Policy`` / ``Pattern`` with severities and violation modes, YAML in the
seed's format (``from_yaml``, ``validate_yaml`` with line numbers, ``to_yaml``),
merging, inheritance, exceptions, conditions, ``PolicyStack``, the built-in
``strict`` / ``permissive`` / ``read_only`` policies and compliance templates.
The chain runs such a policy through the builtin
``goalrail.policies.builtins.patterns.pattern_policy``.

May import ``goalrail.errors``, ``goalrail.policies.schema``, ``goalrail.policies.url_spellings`` and
``goalrail.policies.arguments`` (``docs/layers.toml``).
"""

from goalrail.patterns import templates
from goalrail.patterns.builtin_policies import BUILTIN_NAMES, builtin_policy, resolve_policy
from goalrail.patterns.kernel import KernelSpace
from goalrail.patterns.model import EvaluationResult, PolicyChange, PolicyException, Violation
from goalrail.patterns.policy import Pattern, Policy, Severity, ViolationMode
from goalrail.patterns.signals import AgentSignal
from goalrail.patterns.stack import PolicyStack
from goalrail.patterns.yaml_io import PolicyYamlError

__all__ = [
    "BUILTIN_NAMES",
    "AgentSignal",
    "EvaluationResult",
    "KernelSpace",
    "Pattern",
    "Policy",
    "PolicyChange",
    "PolicyException",
    "PolicyStack",
    "PolicyYamlError",
    "Severity",
    "Violation",
    "ViolationMode",
    "builtin_policy",
    "resolve_policy",
    "templates",
]
