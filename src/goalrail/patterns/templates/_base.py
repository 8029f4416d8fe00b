"""The template base class and the rule fragments the templates share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from goalrail.jsontypes import JsonValue
from goalrail.patterns.model import Pattern
from goalrail.patterns.policy import Policy
from goalrail.patterns.regex import SHIPPED, regex_engine

PATH_SECRETS = (
    r"(?i).*(\.(pem|key|p12|pfx)|(^|/)\.env(\.[^/]*)?|\.ssh(/.*)?|/\.aws/credentials"
    r"|(^|/)id_(rsa|dsa|ecdsa|ed25519))$"
)
#: environment variables that hold credentials by their name (``AWS_SECRET_ACCESS_KEY``, ``GITHUB_TOKEN``,
#: ``DB_PASSWORD``, ``OAUTH_CLIENT``); ``GIT_AUTHOR_NAME`` is no credential
ENV_SECRETS = r"(?i).*(key|secret|token|passw|credential|auth([^o]|$)|authoriz).*"
FILE_SHARING = (
    r"^https?://([^/?#]*\.)?(pastebin\.com|paste\.ee|hastebin\.com|transfer\.sh|file\.io|wetransfer\.com|"
    r"gist\.github\.com|dropbox\.com|drive\.google\.com|mega\.nz)([/:?#].*)?$"
)
PLAINTEXT_HTTP = r"^http://(?!(localhost|127\.0\.0\.1)([:/?#]|$)).*"
#: a container's bind mount of one of these (or of /) reaches the host's system or its docker daemon
_HOST_DIRS = r"etc|root|proc|sys|dev|boot|usr|bin|sbin|lib\w*|run|var/run|var/lib/docker"
#: running a command with more privilege than the agent has, or outside its sandbox, in any of the
#: shipped templates' rules on it (``strict_shell_privilege``, ``permissive_shell_privilege``,
#: ``PRIV_ESC``; the YAML built-ins hold this text, tests/unit/test_privilege_class.py checks):
#: programs that run a command as another user or group, in another root or namespace, or that
#: change who may; ``sg GROUP``; ``su`` and ``passwd``
#: as a command (they are common words); ``systemd-run`` but ``systemd-run --user …`` (the system
#: manager runs it, as root unless told); ``machinectl shell``/``login``; ``setpriv``/``capsh`` given an
#: identity or capabilities; a container with the host's privileges, namespaces, devices or
#: system directories (``--privileged``, ``--pid=host``, ``--cap-add``, ``-v /:/host``,
#: ``kubectl debug node/…``); ``ssh``/``scp``/``rsync``… as ``root``; a setuid or setgid mode
#: (``chmod u+s``, ``4755``, ``install -m 4755``); ``chown root``; macOS's ``with administrator
#: privileges``.  The rules match anywhere on the line, so a mention (``man chroot``) is denied too.
#: No lookaround: a line it does not match is answered by the type's RE2 set alone (linear time).
PRIV_RUN = (
    r"\b(sudo(-rs)?|sudoedit|doas|pkexec|run0|runuser)([^\w-]|$)"
    r"|(^|[^\w-])(ksu|dzdo|pfexec|pbrun|gsudo|[Rr]un[Aa]s|gosu|su-exec|setuidgid|nsenter|chroot|unshare"
    r"|systemd-nspawn|visudo|vipw|vigr|usermod|useradd|gpasswd|groupmems|adduser|addgroup|chpasswd|newusers|setcap"
    r"|newgrp|insmod|modprobe)"
    r"(\s|$)"
    r"|^(su|passwd)(\s|$)|\bsu\s+-|(^|[^\w-])sg\s|(^|[^\w-])chpst\s(.*\s)?'?-u"
    r"|(^|[^\w-])systemd-run(\s*$|\s+([^\s-]|-[^-]|--([^u]|u([^s]|s([^e]|e([^r]|r\S))))))"
    r"|(^|[^\w-])systemd-run\s(.*\s)?'?(-M|--machine|-H|--host|--uid|--gid"
    r"|-p\s*'?(User|Group)=|--property[=\s]'?(User|Group)=)"
    r"|(^|[^\w-])machinectl\s(.*\s)?(shell|login)(\s|$)"
    r"|(^|[^\w-])setpriv\s(.*\s)?'?--((r|e|re)[ug]id|groups|init-groups|keep-groups|(inh|ambient)-caps[=\s]\S*\+)"
    r"|(^|[^\w-])capsh\s(.*\s)?'?--(user|uid|gid|groups|caps|inh|addamb|chroot|keep|secbits|iab)="
    r"|(^|[^\w-])(docker(-compose)?|podman(-compose)?|nerdctl|finch|ctr|kubectl)\s(.*\s)?'?(--privileged"
    r"|--(pid|ipc|uts|userns|cgroupns|network|net)[=\s]'?host(\s|'|$)|--cap-add"
    r"|--security-opt[=\s]'?(\S*unconfined|label[=:]disable)|--device[=\s]"
    rf"|(-[a-zA-Z]*v|--volume)(=|\s+)?'?/(({_HOST_DIRS})(/[^\s:']*)?)?:"
    rf"|--mount[=\s]'?\S*(source|src)=/(({_HOST_DIRS})(/[^\s,']*)?)?(,|'|\s|$)"
    r"|debug\s(.*\s)?node/|--profile[=\s]'?sysadmin)"
    r"|(^|[^\w-])kubectl\s.*(\"(hostPID|hostIPC|hostNetwork|privileged)\"\s*:\s*true|\"hostPath\")"
    r"|(^|[^\w-])(lxc|incus)\s(.*\s)?security\.privileged[=\s]+'?true"
    r"|(^|[^\w-])(ssh|ssh-copy-id|slogin|mosh|autossh|scp|sftp|rsync|sshfs)\s((.*\s)?('?-l\s*'?root(\s|'|$)"
    r"|'?-o\s*'?[Uu][Ss][Ee][Rr][=\s]+root(\s|'|$))|(.*[\s'\"/=])?root@)"
    r"|\bchmod\s(.*\s)?'?([^\s']*,)?([ugoa]*[+=][rwxXtugo]*s|0?[2-7][0-7]{3})(\s|,|'|$)"
    r"|\binstall\s(.*\s)?'?(-m\s*|--mode[=\s])'?([ugoa]*[+=][rwxXtugo]*s|0?[2-7][0-7]{3})(\s|,|'|$)"
    r"|\bchown\s+(-\S+\s+)*'?(root|0)([:.]\S*)?(\s|'|$)|with administrator privileges"
)
PRIV_ESC = (
    rf".*({PRIV_RUN}"
    r"|\bchmod\s+(-[a-zA-Z]+\s+)*([0-7]?777|[ugo]*[ao][ugoa]*[+=][rwxXst]*w[rwxXst]*)\b).*"
)
#: the files that say who may run as root, and what runs as root later (cron, units, init scripts)
PRIV_PATHS = (
    r"etc/(sudoers(\.d)?|sudo\.conf|doas\.conf|passwd|shadow|group|gshadow|subuid|subgid|polkit-1|pam\.d"
    r"|security|ld\.so\.preload|cron[^/]*|anacrontab|systemd/system|init\.d|rc\.local)|root|var/spool/cron"
)
PRIV_FILES = rf"^/({PRIV_PATHS})(/.*)?$"
#: a mode with the setuid or setgid bit (``file_chmod`` targets are ``path:mode``)
SETUID_MODE = r".*:(0?[2-7][0-7]{3}|(.*,)?[ugoa]*[+=][rwxXtugo]*s.*)$"
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
        with regex_engine(SHIPPED):  # our own regexes, options escaped into them as literals
            shipped = self._template_patterns()
        for p in [*shipped, *own]:
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
