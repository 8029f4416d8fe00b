"""One small error tree.  Every error has a stable snake_case ``code``, a
lowercase ``message`` (user input in backticks) and optional ``errors``: a list
of ``{"loc", "message"}`` details.  The server maps codes to HTTP statuses in
one table; the CLI prints them.  Imports nothing from goalrail.
"""

from __future__ import annotations

from typing import Any


class GoalrailError(Exception):
    code = "goalrail_error"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": self.errors}

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        lines = [self.message]
        for err in self.errors:
            loc = err.get("loc")
            lines.append(f"  {loc}: {err.get('message')}" if loc else f"  {err.get('message')}")
        return "\n".join(lines)


class ConfigError(GoalrailError):
    """A config file, agent spec or policy entry is invalid."""

    code = "invalid_config"


class InvalidEvent(GoalrailError):
    code = "invalid_event"


class InvalidRequest(GoalrailError):
    code = "invalid_request"


class UnknownHandler(GoalrailError):
    """A handler is not importable, or (for REST/chat) not in the registry."""

    code = "unknown_handler"


class InvalidParams(GoalrailError):
    """Factory parameters fail the handler's ``params_schema``."""

    code = "invalid_params"


class NotFound(GoalrailError):
    code = "not_found"


class Conflict(GoalrailError):
    code = "conflict"


class Unauthorized(GoalrailError):
    code = "unauthorized"


class Forbidden(GoalrailError):
    code = "forbidden"


class PayloadTooLarge(GoalrailError):
    code = "payload_too_large"


class StoreError(GoalrailError):
    """A storage backend failed; the message never carries driver internals."""

    code = "store_error"


class Unavailable(GoalrailError):
    """The Goalrail server cannot be reached (clients fail closed on this)."""

    code = "unavailable"


class PolicyDenied(GoalrailError):
    """Raised by SDK guards when an action is denied."""

    code = "policy_denied"

    def __init__(self, message: str, decision: object = None) -> None:
        super().__init__(message)
        self.decision = decision


class ApprovalRequired(GoalrailError):
    """Raised by SDK guards when an action needs approval and the caller won't wait."""

    code = "approval_required"

    def __init__(self, message: str, decision: object = None, approval_id: str | None = None) -> None:
        super().__init__(message)
        self.decision = decision
        self.approval_id = approval_id


def error_class(code: str | None) -> type[GoalrailError] | None:
    """The error class for a stable ``code`` (as sent in HTTP error bodies), if known."""
    return _BY_CODE.get(code or "")


_BY_CODE: dict[str, type[GoalrailError]] = {
    cls.code: cls
    for cls in (
        ConfigError,
        InvalidEvent,
        InvalidRequest,
        UnknownHandler,
        InvalidParams,
        NotFound,
        Conflict,
        Unauthorized,
        Forbidden,
        PayloadTooLarge,
        StoreError,
        Unavailable,
        PolicyDenied,
        ApprovalRequired,
    )
}
