"""Builtin policies: a per-session risk score.

``risk_score_policy`` accumulates a score in the *session* key ``state_key``
(default ``risk_score``, so other policies of its level and below can read it
from ``session_state``; a session-level copy never changes what an agent-spec
or server-wide one reads):

* every allowed ``tool_call`` adds the points of the highest-scoring
  ``tool_points`` glob its canonical tool name matches (globs are
  case-insensitive; a tool matching none adds 0);
* each sensitive label (``sensitive_labels: {label: {value_glob: points}}``)
  adds its points once per session per value, the first time an event sees it
  on the session (``context.labels``) or a ``tool_result`` carries it under a
  key of that name (a DLP/classification field in the returned data, at any
  depth, JSON text parsed);
* the score starts at ``initial_scores_by_actor[actor]`` (matched on
  ``actor.run_as``, then ``actor.client_id``; never negative), else 0.

Once the score (including this call's points) reaches ``threshold``, calls to
``guarded_tools`` get ``escalate_action`` (ASK or DENY).  An ASK's points apply
only if approved; a DENY adds none.  The score never decays.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import re
from collections.abc import Callable, Mapping

from goalrail.policies.builtins._models import shown
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.listens import listens_to
from goalrail.policies.schema import PolicyEvent, PolicyResponse, StateUpdate

DEFAULT_TOOL_POINTS: dict[str, int] = {
    "sys_os_shell": 5,
    "sys_os_write": 3,
    "sys_os_edit": 3,
    "sys_os_delete": 10,
    "web_fetch": 2,
    "mcp__*__delete*": 20,
    "mcp__*__remove*": 20,
    "mcp__*__send*": 10,
    "mcp__*__share*": 10,
    "mcp__*__create*": 3,
    "mcp__*__update*": 3,
    "mcp__*__write*": 3,
}
DEFAULT_SENSITIVE_LABELS: dict[str, dict[str, int]] = {
    "env": {"prod*": 30},
    "data_classification": {"confidential": 20, "restricted": 40, "secret": 40},
}
DEFAULT_GUARDED_TOOLS = ["*"]
ACTIONS = ("ASK", "DENY")
_SEEN_KEY = "labels_seen"
#: Characters of a label value matched against the sensitive-value globs; a longer value scores
#: the label's highest points (its tag kept as a digest).
MAX_LABEL_VALUE = 1024
#: Characters of label values one event matches in all; past them, values score as a long one.
MAX_MATCHED_CHARS = 16_384

Policy = Callable[[PolicyEvent], PolicyResponse | None]


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern.lower()))


def _points(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"`{where}` must be an integer >= 0, got `{value!r}`")
    return value


def result_labels(data: object, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, value) pairs a tool result carries under a sensitive label's key, at any
    depth up to 6 (keys matched case-insensitively; JSON text results are parsed)."""
    result = (
        next((data[k] for k in ("result", "output", "content", "response") if k in data), None)
        if isinstance(data, Mapping)
        else None
    )
    found: list[tuple[str, str]] = []
    stack: list[tuple[object, int]] = [(result, 0)]
    budget = 2000
    while stack and budget > 0:
        value, depth = stack.pop()
        budget -= 1
        if isinstance(value, str) and depth < 6 and value[:1] in "{[":
            with contextlib.suppress(ValueError):
                stack.append((json.loads(value), depth + 1))
        elif isinstance(value, Mapping) and depth < 6:
            for k, v in value.items():
                name = names.get(str(k).lower())
                if name is not None and isinstance(v, str):
                    found.append((name, v))
                else:
                    stack.append((v, depth + 1))
        elif isinstance(value, list) and depth < 6:
            stack.extend((v, depth + 1) for v in value[:200])
    return found


_LabelPoints = dict[str, list[tuple[str, re.Pattern[str], int]]]


def _tool_points(tool_points: Mapping[str, int] | None) -> list[tuple[re.Pattern[str], int]]:
    tp = DEFAULT_TOOL_POINTS if tool_points is None else tool_points
    if not isinstance(tp, Mapping):
        raise ValueError("`tool_points` must map tool-name globs to points")
    return [(_glob(k), _points(v, f"tool_points.{k}")) for k, v in tp.items()]


def _label_points(sensitive_labels: Mapping[str, Mapping[str, int]] | None) -> _LabelPoints:
    sl = DEFAULT_SENSITIVE_LABELS if sensitive_labels is None else sensitive_labels
    if not isinstance(sl, Mapping) or not all(isinstance(v, Mapping) for v in sl.values()):
        raise ValueError("`sensitive_labels` must map a label name to {value_glob: points}")
    return {
        str(name): [(str(vg), _glob(str(vg)), _points(p, f"sensitive_labels.{name}.{vg}")) for vg, p in values.items()]
        for name, values in sl.items()
    }


def _guarded(guarded_tools: list[str] | None) -> re.Pattern[str]:
    guarded_list = DEFAULT_GUARDED_TOOLS if guarded_tools is None else guarded_tools
    if isinstance(guarded_list, str) or not guarded_list or not all(isinstance(g, str) and g for g in guarded_list):
        raise ValueError("`guarded_tools` must be a non-empty list of tool-name globs (`*` guards every tool)")
    return re.compile("|".join(f"(?:{fnmatch.translate(g.lower())})" for g in guarded_list))


def _label_gains(event: PolicyEvent, labels: _LabelPoints, lowered_names: Mapping[str, str]) -> tuple[int, list[str]]:
    """Points for label values not counted yet in this session, and their ``name=value`` tags."""
    if not labels:
        return 0, []
    present = [(k, v) for k, v in (event["context"].get("labels") or {}).items() if k in labels]
    # Session labels first, then any a tool result carries.
    if event["type"] == "tool_result":
        present += result_labels(event["data"], lowered_names)
    if not present:
        return 0, []
    seen = (event.get("policy_state") or {}).get(_SEEN_KEY) or ()
    gain, new, left = 0, [], MAX_MATCHED_CHARS
    for name, value in present:
        if not isinstance(value, str):
            continue
        long = len(value) > MAX_LABEL_VALUE
        tag = f"{name}=#{hashlib.sha256(value.encode()).hexdigest()[:32]}" if long else f"{name}={value}"
        if tag in seen or tag in new:
            continue
        left -= len(value)
        if long or left < 0:  # too much to match every glob against: the label's highest points (fail closed)
            best = max((p for _, _, p in labels[name]), default=None)
        else:
            best = max((p for _, rx, p in labels[name] if rx.match(value.lower())), default=None)
        if best is not None:
            gain += best
            new.append(tag)
    return gain, new


def _seen(tag: str) -> StateUpdate:
    """Remember a ``label=value`` tag in the policy's state, so it scores once per session."""
    return {"key": _SEEN_KEY, "action": "append", "value": tag, "scope": "policy", "max_len": 100}


def _start_score(event: PolicyEvent, initial: Mapping[str, int]) -> int:
    """The actor's starting score (run_as first, then client_id), else 0."""
    actor = event["context"].get("actor") or {}
    for who in (actor.get("run_as"), actor.get("client_id")):
        if who is not None and who in initial:
            return int(initial[who])
    return 0


_MAX_POINTS = 1_000_000_000


@builtin(
    "Risk score",
    "Accumulates a session risk score (session key `risk_score`) from sensitive tool calls "
    "and data labels; once it reaches the threshold, guarded tools are escalated to ASK "
    "or DENY.",
    params={
        "threshold": Param(
            "Score at which guarded tools are escalated (the call that reaches it is escalated too).",
            minimum=1,
            maximum=_MAX_POINTS,
        ),
        "tool_points": Param(
            "Points per call, keyed by case-insensitive globs over canonical tool "
            "names (`sys_os_shell`, `mcp__*__delete*`); the highest matching entry "
            "counts. null uses the defaults: " + ", ".join(f"`{k}`: {v}" for k, v in DEFAULT_TOOL_POINTS.items()) + ".",
            additionalProperties={"minimum": 0, "maximum": _MAX_POINTS},
        ),
        "sensitive_labels": Param(
            "Points added once per session per value when a session label, or a field of "
            "that name in a tool result, has a matching value: "
            "{label: {value_glob: points}}. null uses the defaults: "
            "env prod* 30; data_classification confidential 20, restricted 40, secret 40. "
            "{} disables label points.",
            additionalProperties={"additionalProperties": {"minimum": 0, "maximum": _MAX_POINTS}},
        ),
        "guarded_tools": Param(
            "Case-insensitive globs of canonical tool names escalated once the "
            "threshold is reached. null means `*` (every tool).",
            items={"minLength": 1},
            minItems=1,
        ),
        "escalate_action": Param("Verdict for guarded tools at or above the threshold.", enum=list(ACTIONS)),
        "initial_scores_by_actor": Param(
            "Starting score per actor (matched on actor.run_as, then client_id); "
            "others start at 0. Never negative: a starting score only adds risk.",
            additionalProperties={"minimum": 0, "maximum": _MAX_POINTS},
        ),
        "state_key": Param(
            "Session-state key holding the score (readable by other policies of the same level "
            "and below, never above). Use one instance per key.",
            minLength=1,
        ),
    },
)
@listens_to(types=("tool_call", "request", "llm_request", "tool_result"))
def risk_score_policy(
    threshold: int = 50,
    tool_points: dict[str, int] | None = None,
    sensitive_labels: dict[str, dict[str, int]] | None = None,
    guarded_tools: list[str] | None = None,
    escalate_action: str = "ASK",
    initial_scores_by_actor: dict[str, int] | None = None,
    state_key: str = "risk_score",
) -> Policy:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError("`threshold` must be an integer >= 1")
    tools = _tool_points(tool_points)
    labels = _label_points(sensitive_labels)
    guarded = _guarded(guarded_tools)
    action = str(escalate_action).upper()
    if action not in ACTIONS:
        raise ValueError(f"`escalate_action` must be ASK or DENY, got `{escalate_action}`")
    initial = dict(initial_scores_by_actor or {})
    for who, score in initial.items():
        if isinstance(score, bool) or not isinstance(score, int) or score < 0:
            raise ValueError(f"`initial_scores_by_actor.{who}` must be an integer >= 0")
    if not isinstance(state_key, str) or not state_key:
        raise ValueError("`state_key` must be a non-empty string")
    key = state_key

    known: dict[str, tuple[int, bool, str]] = {}  # per tool name; derived from the parameters only

    def tool_facts(tool: str) -> tuple[int, bool, str]:
        """A tool's points, whether it is guarded, and its name as a reason shows it."""
        facts = known.get(tool)
        if facts is None:
            low = tool.lower()
            score = max((p for rx, p in tools if rx.match(low)), default=0)
            facts = (score, guarded.match(low) is not None, shown(tool))
            if len(known) < 4096:
                known[tool] = facts
        return facts

    lowered_names = {name.lower(): name for name in labels}

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        etype = event["type"]
        if etype not in ("tool_call", "request", "llm_request", "tool_result"):
            return None
        state = event["session_state"]
        current = state.get(key)
        has_score = isinstance(current, (int, float)) and not isinstance(current, bool)
        score: float = current if isinstance(current, (int, float)) and has_score else _start_score(event, initial)
        gain, new_labels = _label_gains(event, labels, lowered_names)
        tool = (event.get("target") or "") if etype == "tool_call" else ""
        points, is_guarded, name = tool_facts(tool) if tool else (0, False, "")
        gain += points
        total = score + gain
        updates: list[StateUpdate] = []
        if gain or (not has_score and score):
            # Always an increment (from 0 when the key is new): increments commute, so the
            # held updates of an ASK approved later never overwrite points added meanwhile.
            updates.append({"key": key, "action": "increment", "value": gain if has_score else total})
        if new_labels:
            updates += [_seen(tag) for tag in new_labels]
        if is_guarded and total >= threshold:
            reason = (
                f"risk_score_policy: session risk score {total:g} reached the threshold {threshold}; "
                f"`{name}` is a guarded tool"
            )
            if action == "DENY":
                return {"result": "DENY", "reason": reason}
            return {
                "result": "ASK",
                "reason": reason + "; approve to continue",
                "state_updates": updates,
            }
        if updates:
            return {"result": "ALLOW", "state_updates": updates}
        return None

    return policy


POLICY_REGISTRY = registry_entries(__name__)
