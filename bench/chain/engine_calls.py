"""Each external policy engine as a caller uses it from Python, for ``bench/engines.py``.

``deciders(rules)`` gives, for every engine whose package is importable, a function
from Goalrail's prepared event to ``(verdict, deciding rule)``: it converts the event
to the engine's input (``engine_rules.engine_input`` plus what the engine needs),
calls the engine once, and reads its answer.  That whole call is what is timed.
``rules`` is ``"http"`` (the 10 rules of ``http_policies.py``) or a number of
tool-keyed rules (``scaling_rules.tool_rule``).  The policies are parsed and compiled
once, outside the timed calls.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from typing import Any

import engine_rules as R

Decider = Callable[[Any], tuple[str, str | None]]

INSTALL = "pip install -e '.[bench]'"
OPA_INSTALL = "pip install --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4"

#: label, import name, distribution (for its version), how to install it
ENGINES = {
    "cedar": ("Cedar (Rust, cedarpy {v})", "cedarpy", "cedarpy", INSTALL),
    "cel": ("CEL (Rust, common-expression-language {v})", "cel", "common-expression-language", INSTALL),
    "opa": (
        "OPA {opa} (Go, in-process, opa-golib-python-bindings {v})",
        "opa_bindings",
        "opa-golib-python-bindings",
        OPA_INSTALL,
    ),
    "regocpp": ("Rego (rego-cpp, C++, regopy {v})", "regopy", "regopy", INSTALL),
    "celpy": ("CEL (pure Python, cel-python {v})", "celpy", "cel-python", INSTALL),
}
#: The OPA library the bindings' Go bridge is built from (its Go build information).
OPA_VERSION = "v1.20.2"


def label(key: str) -> str:
    text, _, dist, _ = ENGINES[key]
    return text.format(v=importlib.metadata.version(dist), opa=OPA_VERSION)


def missing(keys: list[str]) -> dict[str, str]:
    """The engines among ``keys`` that cannot be imported, with the command installing each."""
    out = {}
    for key in keys:
        try:
            importlib.import_module(ENGINES[key][1])
        except ImportError:
            out[key] = ENGINES[key][3]
    return out


def _tool_rule(rule: str | None) -> tuple[str, str | None]:
    return ("DENY", rule) if rule else ("ALLOW", None)


def cedar(rules: str | int) -> Decider:
    import cedarpy

    policies = cedarpy.PolicySet.from_str(R.CEDAR if rules == "http" else R.cedar_tools(int(rules)))
    entities = cedarpy.Entities.from_json_str("[]")

    def decide(event: Any) -> tuple[str, str | None]:
        res = cedarpy.is_authorized(R.cedar_request(event), policies, entities)
        diag = res.diagnostics
        assert not diag.errors, diag.errors
        names = diag.id_annotations_by_reason  # when denied, the forbids that fired
        fired = [] if res.allowed else [names[r] for r in diag.reasons]
        return R.decide(fired) if rules == "http" else _tool_rule(min(fired, key=lambda r: int(r[1:]), default=None))

    return decide


def cel(rules: str | int) -> Decider:
    import cel as cel_rs

    program = cel_rs.compile(R.CEL if rules == "http" else R.cel_tools(int(rules)))

    def decide(event: Any) -> tuple[str, str | None]:
        rule = program.execute({"ev": R.engine_input(event)})
        return _verdict(rule, rules)

    return decide


def celpy(rules: str | int) -> Decider:
    import celpy as cel_py

    env = cel_py.Environment()
    program = env.program(env.compile(R.CEL if rules == "http" else R.cel_tools(int(rules))))

    def decide(event: Any) -> tuple[str, str | None]:
        rule = program.evaluate({"ev": cel_py.json_to_cel(R.engine_input(event))})
        return _verdict(rule if rules != "http" else str(rule), rules)

    return decide


def _verdict(rule: Any, rules: str | int) -> tuple[str, str | None]:
    if rules != "http":
        return _tool_rule(str(rule[0]) if rule else None)
    return (R.VERDICT[rule], rule) if rule else ("ALLOW", None)


def _rego(rules: str | int) -> str:
    return R.REGO if rules == "http" else R.rego_tools(int(rules))


def opa(rules: str | int) -> Decider:
    from opa_bindings import OpaEngine

    engine = OpaEngine()
    engine.add_policy("goalrail.rego", _rego(rules))

    def decide(event: Any) -> tuple[str, str | None]:
        out = engine.eval_document("goalrail.decision", R.engine_input(event))
        return out["result"], out["rule"]

    return decide


def regocpp(rules: str | int) -> Decider:
    import regopy

    interp = regopy.Interpreter()
    interp.add_module("goalrail.rego", _rego(rules))
    bundle = interp.build(None, ["goalrail/decision"])

    def decide(event: Any) -> tuple[str, str | None]:
        interp.set_input(R.engine_input(event))
        out = interp.query_bundle_entrypoint(bundle, "goalrail/decision")
        value = out[0].expressions[0]
        return value["result"], value["rule"]

    return decide


MAKERS: dict[str, Callable[[str | int], Decider]] = {
    "cedar": cedar,
    "opa": opa,
    "cel": cel,
    "regocpp": regocpp,
    "celpy": celpy,
}
