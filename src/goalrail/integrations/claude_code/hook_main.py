"""``goalrail hook claude-code``: one hook invocation, kept lean on purpose.

Runs on every tool call, so it imports only the standard library pieces it
needs (os and the C modules _json and _socket) plus the pure translation — no argparse, no
httpx, no server code.  Options (flag, else environment):

  --url URL            GOALRAIL_URL        server (default http://127.0.0.1:6767)
  --token TOKEN        GOALRAIL_TOKEN      else ~/.goalrail/token
  --token-file PATH    read the token from PATH (what `goalrail install --token` sets up)
  --timeout SECONDS    GOALRAIL_HOOK_TIMEOUT   deadline for the server's answer (10)
  --ask-wait SECONDS   GOALRAIL_HOOK_ASK_WAIT  answer an ASK by waiting up to SECONDS for a
                                           Goalrail approval instead of Claude Code's own
                                           prompt (needed with `claude -p`); not approved
                                           in time → deny with the approval's link
  --on-allow defer|allow GOALRAIL_HOOK_ON_ALLOW  emit an explicit allow on ALLOW (default defer)
  --fail-open          GOALRAIL_HOOK_FAIL_OPEN=1  allow when the server is unreachable

Exit code 0 with JSON on stdout for decisions; exit 2 (a blocking error in
Claude Code) when the input itself cannot be read.
"""

from __future__ import annotations

import sys

from goalrail.integrations import hookcore
from goalrail.integrations.claude_code import fastjson, translate
from goalrail.integrations.claude_code.wire import WireError, post_json
from goalrail.integrations.endpoint import resolve_token, resolve_url

TYPE_CHECKING = False  # avoid importing typing (~5 ms) on the hook's hot path
if TYPE_CHECKING:
    from goalrail.integrations.hookcore import Options
    from goalrail.jsontypes import JsonObject

USAGE = (
    "usage: goalrail hook claude-code [--url URL] [--token TOKEN | --token-file PATH] [--timeout S] [--ask-wait S] "
    "[--on-allow defer|allow] [--fail-open]"
)


UsageError = hookcore.UsageError  # exit 2, which Claude Code treats as blocking (never a silent allow)


def parse(argv: list[str]) -> Options:
    return hookcore.parse(argv, __doc__ or USAGE, ("on_allow", "GOALRAIL_HOOK_ON_ALLOW", ("defer", "allow")))


def decide(payload: object, opts: Options) -> JsonObject | None:
    """The hook output for one payload (raises translate.BadPayload on bad input)."""
    translated = translate.to_event(payload)
    if translated is None:
        return None
    hook, session, event = translated
    events = [event]
    data = event.get("data")
    prompt = data.get("user_content") if hook == translate.PROMPT and isinstance(data, dict) else None
    if isinstance(prompt, str) and "@" in prompt:  # files Claude Code attaches with no tool call
        events += translate.mention_events(prompt, event)
    verdicts: list[JsonObject] = []
    for each in events:
        answer = _send(hook, session, each, opts)
        if isinstance(answer, str):
            return _unavailable(hook, answer, opts)
        verdicts.append(answer)
        if answer.get("result") == "DENY":
            break
    return translate.to_output(hook, hookcore.combine(verdicts), on_allow=opts["on_allow"])


def _send(hook: str, session: str, event: JsonObject, opts: Options) -> JsonObject | str:
    """The server's verdict on one event, or why there is none."""
    wait = opts["ask_wait"] if hook in (*translate.GATES, translate.PROMPT) else 0
    url = resolve_url(opts["url"])
    try:
        token = hookcore.token(opts) or resolve_token(opts["token"])
        if wait:
            status, body = hookcore.evaluate_waiting(url, token, session, event, wait, opts["timeout"])
        else:
            path = f"/v1/sessions/{_quote(session)}/events"
            status, body = post_json(url, path, event, token=token, timeout=opts["timeout"])
    except WireError as exc:
        return f"server unreachable: {exc}"
    if status >= 500 or not isinstance(body, dict):
        return f"server answered {status}"
    if status >= 300:
        message = body.get("message") or body.get("detail") or f"status {status}"
        return f"server refused the event: {message}"
    return body


def _unavailable(hook: str, why: str, opts: Options) -> JsonObject | None:
    if opts["fail_open"]:
        print(f"goalrail: {why}; allowed because --fail-open is set", file=sys.stderr)
        return None
    return translate.unavailable_output(hook, why)


def _quote(session: str) -> str:
    safe = "-_.~"
    return "".join(
        c if (c.isalnum() and c.isascii()) or c in safe else "".join(f"%{b:02X}" for b in c.encode()) for c in session
    )


def _shown(exc: BaseException) -> str:
    """An exception's text with its secrets redacted (it can quote the hook input it failed on).
    Imported here, on the error path only: a hook that answers loads none of the patterns."""
    from goalrail.policies.redact import redact

    return redact(str(exc))


def main(argv: list[str] | None = None) -> int:
    try:
        opts = parse(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        print(f"goalrail: {exc}\n{USAGE}", file=sys.stderr)
        return 2
    try:
        payload = fastjson.loads(sys.stdin.read() or "null")
        output = decide(payload, opts)
    except (ValueError, translate.BadPayload) as exc:
        # Unreadable input: exit 2 is a blocking error for PreToolUse/UserPromptSubmit.
        print(f"goalrail: cannot read the hook input ({_shown(exc)}); blocked", file=sys.stderr)
        return 0 if opts["fail_open"] else 2
    except Exception as exc:  # never let a crash (exit 1) become a silent allow
        print(f"goalrail: hook failed ({type(exc).__name__}: {_shown(exc)}); blocked", file=sys.stderr)
        return 0 if opts["fail_open"] else 2
    if output is not None:
        sys.stdout.write(fastjson.dumps(output))
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
