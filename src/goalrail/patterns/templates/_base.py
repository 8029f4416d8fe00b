"""The template base class and the rule fragments the templates share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from goalrail.jsontypes import JsonValue
from goalrail.patterns.model import Pattern
from goalrail.patterns.policy import Policy

PATH_SECRETS = (
    r"(?i).*(\.(pem|key|p12|pfx)|(^|/)\.env(\.[^/]*)?|\.ssh(/.*)?|/\.aws/credentials"
    r"|(^|/)id_(rsa|dsa|ecdsa|ed25519))$"
)
FILE_SHARING = (
    r"^https?://([^/?#]*\.)?(pastebin\.com|paste\.ee|hastebin\.com|transfer\.sh|file\.io|wetransfer\.com|"
    r"gist\.github\.com|dropbox\.com|drive\.google\.com|mega\.nz)([/:?#].*)?$"
)
PLAINTEXT_HTTP = r"^http://(?!(localhost|127\.0\.0\.1)([:/?#]|$)).*"
PRIV_ESC = (
    r".*(\b(sudo(-rs)?|sudoedit|doas|pkexec|run0|runuser)([^\w-]|$)|^su(\s|$)|\bsu\s+-"
    r"|\bchmod\s+(-[a-zA-Z]+\s+)*([0-7]?777|[ugo]*[ao][ugoa]*[+=][rwxXst]*w[rwxXst]*)\b"
    r"|\bchown\s+(-[a-zA-Z]+\s+)*root\b).*"
)
#: a disk, a partition or memory written through /dev (the streams and terminals are no device)
DEVICES = r"^/dev/(?!(null|zero|full|u?random|std(in|out|err)|tty\d*|console|ptmx)$|(fd|pts|shm|mqueue)/).+$"
RM_RF = r".*\brm\s+(-[a-zA-Z]+\s+)*-[a-zA-Z]*([rR][a-zA-Z]*f|f[a-zA-Z]*[rR]).*"


def rule(
    template: str,
    pid: str,
    action_type: str,
    rx: str,
    action: str,
    severity: str,
    message: str | None = None,
    mode: str | None = None,
    **meta: JsonValue,
) -> Pattern:
    return Pattern(
        id=pid,
        action_type=action_type,
        pattern=rx,
        action=action,
        severity=severity,
        message=message,
        violation_mode=mode,
        metadata={"template": template, **meta},
    )


class TemplatePolicy(Policy):
    """A Policy built from a template and options."""

    template = ""
    option_defaults: Mapping[str, object] = {}
    option_choices: Mapping[str, tuple[object, ...]] = {}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("name", self.template)
        super().__init__(**kwargs)
        self.options: dict[str, Any] = dict(self.option_defaults)
        self._rebuild("created")

    def _template_patterns(self) -> list[Pattern]:
        raise NotImplementedError

    def _rebuild(self, change: str) -> None:
        own = [p for p in self._patterns if p.metadata.get("template") != self.template]
        self._patterns = []
        for p in [*self._template_patterns(), *own]:
            self._insert(p)
        self.settings.update({f"{self.template}.{k}": v for k, v in self.options.items()})
        self._changed(change, None)

    def configure(self, **options: object) -> TemplatePolicy:
        for key, value in options.items():
            if key not in self.option_defaults:
                known = ", ".join(self.option_defaults)
                raise ValueError(f"{self.template}: unknown option `{key}` (known: {known})")
            default = self.option_defaults[key]
            choices = self.option_choices.get(key)
            if choices is not None and value not in choices:
                raise ValueError(f"{self.template}: {key} `{value}` is not one of {', '.join(map(str, choices))}")
            if isinstance(default, bool) and not isinstance(value, bool):
                raise ValueError(f"{self.template}: {key} must be true or false")
            if (
                isinstance(default, int)
                and not isinstance(default, bool)
                and (isinstance(value, bool) or not isinstance(value, int) or value < 0)
            ):
                raise ValueError(f"{self.template}: {key} must be a non-negative integer")
            if isinstance(default, list) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ValueError(f"{self.template}: {key} must be a list of strings")
        self.options.update(options)
        self._rebuild("configured")
        return self


def escape_word(name: str) -> str:
    return re.escape(name)


def escape_path(path: str) -> str:
    return re.escape(path.strip("/"))
