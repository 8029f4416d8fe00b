"""The shared hot path of every ``goalrail hook <harness>`` command but Claude Code's own.

A harness adapter (``goalrail.integrations.<harness>.translate``) only maps
its hook JSON to Goalrail events and a verdict back to its own output; this
module does the rest, the same way for every harness: options, the server call (``--ask-wait``
through ``goalrail.integrations.ask_wait``, the same loop as the Claude Code hook), combining
several events of one hook call, and failing closed.  Standard library only (``os``, ``_json``,
``_socket``), because it runs on every tool call.

An adapter module defines:

* ``HARNESS`` — the ``context.harness`` label;
* ``to_call(payload) -> Call | None`` — what to evaluate (None: not governed);
* ``render(call, verdict, opts) -> Result`` — the harness's answer to a verdict;
* ``unavailable(call, why, opts) -> Result`` — its answer when Goalrail cannot decide;
* ``BAD_INPUT_EXIT`` — the exit code that blocks in this harness (2 everywhere so far).

Options (flag, else environment): ``--url`` (``GOALRAIL_URL``), ``--token`` (``GOALRAIL_TOKEN``)
or ``--token-file PATH``, else ``~/.goalrail/token``; ``--timeout S`` (``GOALRAIL_HOOK_TIMEOUT``, 10);
``--ask-wait S`` (``GOALRAIL_HOOK_ASK_WAIT``, 0); ``--ask deny|native`` (``GOALRAIL_HOOK_ASK``);
``--fail-open`` (``GOALRAIL_HOOK_FAIL_OPEN=1``).
"""

from __future__ import annotations

import os
import sys

from goalrail.integrations.claude_code import fastjson
from goalrail.integrations.claude_code.wire import WireError, request_json
from goalrail.integrations.endpoint import resolve_token, resolve_url

TYPE_CHECKING = False  # typing costs ~5 ms on the hot path
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Literal, Protocol, TypedDict

    from goalrail.jsontypes import JsonObject, JsonValue

    class _Options(TypedDict):
        url: str | None
        token: str | None
        token_file: str | None
        timeout: float
        ask_wait: float
        fail_open: bool

    class Options(_Options, total=False):
        """The parsed hook options; ``ask`` or ``on_allow`` is the harness's two-valued choice."""

        ask: str
        on_allow: str

    #: (option name, environment variable, (default, other value))
    Choice = tuple[Literal["ask", "on_allow"], str, tuple[str, str]]

    class Adapter(Protocol):
        """A ``goalrail.integrations.<harness>.translate`` module (see the module docstring)."""

        def to_call(self, payload: JsonValue) -> Call | None: ...

        def render(self, call: Call, verdict: JsonObject, opts: Options) -> Result: ...

        def unavailable(self, call: Call, why: str, opts: Options) -> Result: ...


class BadPayload(ValueError):
    """The hook input cannot be translated: the action is blocked."""


class UsageError(Exception):
    """Bad options: blocked with the harness's blocking exit code."""


class Call:
    """One hook invocation: which hook, which session, the events to evaluate.

    ``events`` holds one event, or several when one harness action touches
    several things (a patch editing several files): each is evaluated and the
    strictest verdict answers.  ``gating`` says whether an ASK may be waited
    on (pre-action hooks).
    """

    __slots__ = ("events", "gating", "hook", "session")

    def __init__(self, hook: str, session: str, events: list[JsonObject], *, gating: bool = True) -> None:
        self.hook = hook
        self.session = session
        self.events = events
        self.gating = gating


class Result:
    """What the hook prints and how it exits."""

    __slots__ = ("exit_code", "stderr", "stdout")

    def __init__(self, stdout: JsonObject | None = None, *, stderr: str | None = None, exit_code: int = 0) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.exit_code = exit_code


def hook_and_session(
    payload: object, hook_events: tuple[str, ...], key: str = "session_id", informational: frozenset[str] = frozenset()
) -> tuple[str, str, JsonObject] | None:
    """(hook event name, session id, the input as an object), or None for an event that passes with no
    decision; BadPayload for input not an object, no session, or an event not mapped that may carry an
    action (fail closed: ``goalrail.integrations.hook_events``)."""
    if not isinstance(payload, dict):
        raise BadPayload("hook input must be a JSON object")
    name = payload.get("hook_event_name")
    if name not in hook_events:
        if isinstance(name, str) and name in informational:
            return None
        from goalrail.integrations.hook_events import refusal  # for events neither mapped nor listed

        if (why := refusal(name, payload, informational)) is not None:
            raise BadPayload(why)
        return None
    session = payload.get(key)
    if not isinstance(session, str) or not session:
        raise BadPayload(f"hook input has no {key}")
    return name, session, payload


def hook_context(harness: str, payload: Mapping[str, object], keys: tuple[str, ...] = ("cwd", "model")) -> JsonObject:
    """The context of every hook event: the harness, and each of ``keys`` given as a non-empty string."""
    context: JsonObject = {"harness": harness}
    for key in keys:
        value = payload.get(key)
        if isinstance(value, str) and value:
            context[key] = value
    return context


def prompt_call(name: str, session: str, payload: Mapping[str, object], context: JsonObject) -> Call:
    """A prompt hook as a ``request`` event carrying the user's text."""
    prompt = payload.get("prompt")
    data: JsonObject = {"user_content": prompt if isinstance(prompt, str) else ""}
    return Call(name, session, [{"type": "request", "data": data, "context": context}])


def bounded(value: JsonValue, limit: int) -> JsonValue:
    """A tool result kept under ``limit`` characters (as text once cut)."""
    if value is None or isinstance(value, (int, float, bool)):
        return value
    text = value if isinstance(value, str) else fastjson.dumps(value)
    if len(text) <= limit:
        return value
    return text[:limit] + f"… [truncated {len(text) - limit} chars]"


ASK_CHOICE: Choice = ("ask", "GOALRAIL_HOOK_ASK", ("deny", "native"))


def parse(argv: list[str], usage: str, choice: Choice = ASK_CHOICE) -> Options:
    """The hook options; ``choice`` is the one two-valued option (name, environment variable, (default, other))."""
    env = os.environ
    choice_name, choice_env, choices = choice
    given: dict[str, str | None] = {
        "url": None,
        "token": None,
        "token_file": None,
        "timeout": env.get("GOALRAIL_HOOK_TIMEOUT") or "10",
        "ask_wait": env.get("GOALRAIL_HOOK_ASK_WAIT") or "0",
        choice_name: env.get(choice_env) or choices[0],
    }
    fail_open = env.get("GOALRAIL_HOOK_FAIL_OPEN", "") in ("1", "true", "yes")
    choice_flag = "--" + choice_name.replace("_", "-")
    it = iter(argv)
    for arg in it:
        key, eq, value = arg.partition("=")
        if key == "--fail-open":
            fail_open = True
        elif key in ("--url", "--token", "--token-file", "--timeout", "--ask-wait", choice_flag):
            name = key[2:].replace("-", "_")
            given[name] = value if eq else next(it, None)
            if given[name] is None:
                raise UsageError(f"{key} needs a value")
        elif key in ("-h", "--help"):
            print(usage)
            raise SystemExit(0)
        else:
            raise UsageError(f"unknown option {arg}")
    try:  # never None: they have defaults, and a flag without a value was refused above
        timeout, ask_wait = float(given["timeout"] or ""), float(given["ask_wait"] or "")
    except ValueError as exc:
        raise UsageError("--timeout and --ask-wait take seconds") from exc
    chosen = given[choice_name]
    if chosen not in choices:
        raise UsageError(f"{choice_flag} is {choices[0]} or {choices[1]}")
    opts: Options = {
        "url": given["url"],
        "token": given["token"],
        "token_file": given["token_file"],
        "timeout": timeout,
        "ask_wait": ask_wait,
        "fail_open": fail_open,
    }
    opts[choice_name] = str(chosen)
    return opts


def token(opts: Options) -> str | None:
    """``--token``, else ``--token-file`` (first line; must be readable), else the usual places."""
    if opts["token"]:
        return str(opts["token"])
    path = opts["token_file"]
    if path:
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as fh:
                return fh.readline().strip() or None
        except OSError as exc:
            raise WireError(f"cannot read the token file {path}: {exc.strerror}") from exc
    return resolve_token(None)


def evaluate(call: Call, opts: Options) -> JsonObject | str:
    """The combined verdict of the call's events, or a short text saying why there is none.

    Events are evaluated in order; a DENY stops there (the rest never reach
    the server); ASKs are collected so one answer names every approval.
    """
    wait = float(opts["ask_wait"]) if call.gating else 0.0
    url = resolve_url(opts["url"])
    verdicts: list[JsonObject] = []
    try:
        secret = token(opts)
    except WireError as exc:
        return str(exc)

    for event in call.events:
        try:
            status, body = evaluate_waiting(url, secret, call.session, event, wait, opts["timeout"])
        except WireError as exc:
            return f"server unreachable: {exc}"
        if status >= 500 or not isinstance(body, dict):
            return f"server answered {status}"
        if status >= 300:
            message = body.get("message") or body.get("detail") or f"status {status}"
            return f"server refused the event: {message}"
        if body.get("result") not in ("ALLOW", "DENY", "ASK"):
            return "server answered without a verdict"
        verdicts.append(body)
        if body["result"] == "DENY":
            break
        data = event.get("data")
        if len(call.events) > 1 and changed_arguments(body, data.get("arguments") if isinstance(data, dict) else None):
            why = "one part of a call cannot be changed alone, so it is refused"
            return {**body, "result": "DENY", "reason": unchanged_reason(body, why)}
    return combine(verdicts)


def evaluate_waiting(
    url: str, secret: str | None, session: str, event: JsonObject, wait: float, timeout: float
) -> tuple[int, JsonValue]:
    """(status, verdict) with an ASK waited on for up to ``wait`` s (see integrations.ask_wait).

    An ASK still pending at the end becomes a DENY naming the approval and where to
    approve it, so the harness does not fall back to running the call and the retry can pass.
    """

    def send(method: str, path: str, body: JsonValue, timeout: float) -> tuple[int, JsonValue]:
        return request_json(method, url, path, body, token=secret, timeout=timeout)

    from goalrail.integrations import ask_wait  # imported when used: Claude Code's hook rarely needs it

    status, body = ask_wait.evaluate(send, session, event, wait_s=wait, timeout_s=timeout)
    if isinstance(body, dict) and body.get("result") == "ASK" and body.get("pending"):
        body = {**body, "result": "DENY", "reason": ask_wait.pending_reason(body, wait, url)}
    return status, body


def combine(verdicts: list[JsonObject]) -> JsonObject:
    """The strictest verdict; an ASK lists every pending approval in ``approval_ids``."""
    if len(verdicts) == 1:
        return verdicts[0]
    for v in verdicts:
        if v.get("result") == "DENY":
            return v
    asks = [v for v in verdicts if v.get("result") == "ASK"]
    if asks:
        out = dict(asks[0])
        out["approval_ids"] = [str(v["approval_id"]) for v in asks if v.get("approval_id")]
        return out
    out = dict(verdicts[-1]) if verdicts else {"result": "ALLOW"}
    out.pop("data", None)  # a rewrite of one part never gets here (evaluate refuses it)
    return out


def describe(verdict: Mapping[str, object]) -> str:
    """``Goalrail (policy): reason`` — short, names the policy."""
    reason = str(verdict.get("reason") or verdict.get("result") or "no reason given")
    policy = verdict.get("policy")
    if policy and reason.startswith(f"{policy}: "):
        reason = reason[len(f"{policy}: ") :]
    return f"Goalrail ({policy}): {reason}" if policy else f"Goalrail: {reason}"


def approvals_of(verdict: Mapping[str, object]) -> list[str]:
    ids = verdict.get("approval_ids")
    if isinstance(ids, list) and ids:
        return [str(i) for i in ids]
    return [str(verdict["approval_id"])] if verdict.get("approval_id") else []


def ask_text(verdict: Mapping[str, object], opts: Options) -> str:
    """An ASK answered as a refusal: the reason, and where the user approves it."""
    text = describe(verdict)
    ids = approvals_of(verdict)
    if not ids:
        return text + " (needs approval in Goalrail; none was created)"
    base = resolve_url(opts["url"])
    from goalrail.integrations import ask_wait

    where = ", ".join(ask_wait.approval_link(base, i) for i in ids)
    cmd = " && ".join(f"goalrail approvals approve {i}" for i in ids)
    return (
        f"{text} — needs approval {', '.join(ids)}: approve it at {where} or with `{cmd}`, then retry the same action"
    )


def approved(verdict: Mapping[str, object]) -> bool:
    """An ALLOW that a human gave by approving an ASK (``?wait``)."""
    return verdict.get("result") == "ALLOW" and bool(verdict.get("approval_id")) and bool(verdict.get("asked"))


def rewritten(verdict: Mapping[str, object]) -> JsonObject | None:
    data = verdict.get("data")
    args = data.get("arguments") if isinstance(data, dict) else None
    return args if verdict.get("result") == "ALLOW" and isinstance(args, dict) else None


def changed_arguments(verdict: Mapping[str, object], sent: object) -> JsonObject | None:
    """The arguments an ALLOW replaces ``sent`` with (a policy's rewrite), else None.  The call was allowed
    only as changed: an integration that cannot run it must refuse it (:func:`refuse_unchanged`)."""
    new = rewritten(verdict)
    return new if new is not None and new != sent else None


def unchanged_reason(verdict: Mapping[str, object], why: str) -> str:
    return f"a policy allowed this call only with changed arguments ({verdict.get('reason') or 'rewritten'}); {why}"


def refuse_unchanged(verdict: Mapping[str, object], why: str) -> dict[str, object]:
    """A DENY for an ALLOW whose change to the call's arguments cannot be applied (``why``)."""
    return {**verdict, "result": "DENY", "reason": unchanged_reason(verdict, why)}


def unavailable_text(why: str) -> str:
    return f"Goalrail could not check this action ({why}); denied because Goalrail fails closed"


def run(adapter: Adapter, argv: list[str], stdin: str) -> Result:
    """One hook invocation, as a Result (never raises)."""
    usage = getattr(adapter, "USAGE", "")
    block = int(getattr(adapter, "BAD_INPUT_EXIT", 2))
    try:
        opts = parse(argv, usage)
    except UsageError as exc:
        return Result(stderr=f"goalrail: {exc}\n{usage}", exit_code=block)
    try:
        payload = fastjson.loads(stdin or "null")
        call = adapter.to_call(payload)
        if call is None:
            return Result()
        verdict = evaluate(call, opts)
        if isinstance(verdict, str):
            if opts["fail_open"]:
                return Result(stderr=f"goalrail: {verdict}; allowed because --fail-open is set")
            result: Result = adapter.unavailable(call, verdict, opts)
            return result
        result = adapter.render(call, verdict, opts)
        return result
    except ValueError as exc:  # BadPayload and malformed JSON
        if opts["fail_open"]:
            return Result(stderr=f"goalrail: cannot read the hook input ({exc}); allowed because --fail-open is set")
        return _blocked(adapter, f"goalrail: cannot read the hook input ({exc}); blocked", block)
    except Exception as exc:  # a crash must never read as "no objection"
        if opts["fail_open"]:
            return Result(stderr=f"goalrail: hook failed ({type(exc).__name__}); allowed because --fail-open is set")
        return _blocked(adapter, f"goalrail: hook failed ({type(exc).__name__}: {exc}); blocked", block)


def _blocked(adapter: Adapter, text: str, code: int) -> Result:
    """Blocking exit code and the reason on stderr, plus the adapter's own refusal on stdout if it has one."""
    stdout = adapter.blocked_output(text) if hasattr(adapter, "blocked_output") else None
    return Result(stdout, stderr=text, exit_code=code)


def main(adapter: Adapter, argv: list[str] | None = None) -> int:
    result = run(adapter, list(sys.argv[1:] if argv is None else argv), sys.stdin.read())
    if result.stdout is not None:
        sys.stdout.write(fastjson.dumps(result.stdout))
        sys.stdout.write("\n")
    if result.stderr:
        print(result.stderr, file=sys.stderr)
    sys.stdout.flush()
    return result.exit_code
