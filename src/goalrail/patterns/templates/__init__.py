"""Compliance templates: ``hipaa_standard``, ``soc2_compliant``, ``k12_safe``.

Each returns a :class:`TemplatePolicy`: a Policy whose template-owned patterns
(tagged ``metadata.template``) are rebuilt by ``configure(...)`` /
``enable_criteria(...)`` while patterns you add stay in place after them.
The rules are concrete and listed in docs/patterns.md; a template is a
starting point, not a certification.
"""

from collections.abc import Callable

from goalrail.patterns.policy import Policy
from goalrail.patterns.templates._base import PATH_SECRETS, TemplatePolicy
from goalrail.patterns.templates.hipaa import HipaaStandard, hipaa_standard
from goalrail.patterns.templates.k12 import K12Safe, k12_safe
from goalrail.patterns.templates.soc2 import Soc2Compliant, soc2_compliant

TEMPLATES: dict[str, Callable[[], Policy]] = {
    "hipaa_standard": hipaa_standard,
    "soc2_compliant": soc2_compliant,
    "k12_safe": k12_safe,
}

__all__ = [
    "PATH_SECRETS",
    "TEMPLATES",
    "HipaaStandard",
    "K12Safe",
    "Soc2Compliant",
    "TemplatePolicy",
    "hipaa_standard",
    "k12_safe",
    "soc2_compliant",
]
