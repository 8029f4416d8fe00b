"""No secret in the server's logs: a filter on its loggers and uvicorn's.

Every record's message, its string arguments and its traceback pass through
``policies.redact`` before any handler formats them.  The access log's request line also has
the values of credential-like query parameters replaced (``/login?code=…``, ``?token=…``,
``?key=…``): a URL is the one place a value is named only by its parameter.

A record's arguments are what requests and policies said (a session policy's name, a
policy's error, a request's path), so the filter also escapes every line break, control,
bidi and zero-width character in them (a line break is written as its two-character
escape): a user naming a session policy `mine` + a line break + `WARNING … policy cap
failed open` cannot write a line the operator would read as the admin's policy failing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from goalrail.policies.redact import marker, redact

#: uvicorn's loggers the filter is put on, with every logger of ours (a filter on a logger sees
#: only the records logged to it by name, not its children's)
UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")
_OURS = __name__.partition(".")[0]
_QUERY_SECRET = re.compile(
    r"(?i)([?&](?:code|token|key|access_token|api_key|apikey|password|secret|signature|sig|auth)=)[^&\s#]+"
)
_FORMAT = logging.Formatter()
#: characters that start a line, move the cursor or reorder or hide what follows on a terminal
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def _arg(value: object) -> object:
    if isinstance(value, str):
        shown = _UNSHOWN.sub(_escaped, redact(value))
        return _QUERY_SECRET.sub(lambda m: m.group(1) + marker("query_value"), shown) if "=" in shown else shown
    return value


class Redacting(logging.Filter):
    """Redacts a record in place (it is then formatted from what is left); never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_arg(a) for a in args)
        elif isinstance(args, Mapping):
            record.args = {k: _arg(v) for k, v in args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_FORMAT.formatException(record.exc_info))
        return True


_FILTER = Redacting()


def install() -> None:
    """Put the filter on uvicorn's loggers and on every logger of ours made so far (every module
    of the server is imported by then), once each."""
    ours = [n for n in list(logging.root.manager.loggerDict) if n == _OURS or n.startswith(_OURS + ".")]
    for name in (*UVICORN_LOGGERS, *ours):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
