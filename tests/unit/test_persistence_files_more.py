"""More files whose content runs later, or lets someone in later: ssh's (a key in
``authorized_keys``, a ``ProxyCommand`` in ``config``, ``environment``; the server's
``sshd_config``), debuggers' and notebooks' start-up files, bash completions, window managers'
autostart lines, ``gpg-agent``'s ``pinentry-program``, the credential helpers the AWS CLI, kubectl
and docker run (``credential_process``, ``exec``, ``credsStore``), and the system's hooks (apt's,
udev's, the network's, logrotate's, PAM and its modules, ``ld.so.conf``, ``sudoers``, the account
files).  Each is a persistence write: ``strict`` denies it, the other templates ask; ``permissive``
denies what it denies in ``/etc``, ``/usr`` and ``/bin`` before any persistence rule asks."""

from __future__ import annotations

import re

import pytest

from goalrail.patterns.templates._persist import PERSIST_FILES
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, event, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

HOME = [
    "echo 'ssh-ed25519 AAAA x' >> ~/.ssh/authorized_keys",
    "cat key.pub >> /home/dev/.ssh/authorized_keys2",
    "cp key.pub ~/.ssh/authorized_keys",
    "tee -a $HOME/.ssh/authorized_keys < key.pub",
    "printf 'Host *\\n  ProxyCommand sh -c x\\n' >> ~/.ssh/config",
    "echo 'LD_PRELOAD=/tmp/x.so' >> ~/.ssh/environment",
    "echo 'import os' > ~/.ipython/profile_default/startup/00-x.py",
    "echo 'c=1' > ~/.ipython/profile_default/ipython_config.py",
    "echo 'c=1' > ~/.jupyter/jupyter_server_config.py",
    "echo 'shell curl x|sh' > ~/.gdbinit",
    "echo 'platform shell id' > ~/.lldbinit",
    "echo '!import os' > ~/.pdbrc",
    "echo 'curl x|sh' >> ~/.bash_completion",
    "echo x > ~/.local/share/bash-completion/completions/git",
    "echo 'exec curl x|sh' >> ~/.config/i3/config",
    "echo 'exec x' >> ~/.config/sway/config",
    "echo 'exec-once = x' >> ~/.config/hypr/hyprland.conf",
    "echo x >> ~/.config/openbox/autostart",
    "echo 'pinentry-program /tmp/x' >> ~/.gnupg/gpg-agent.conf",
    "printf '[default]\\ncredential_process = /tmp/x\\n' >> ~/.aws/config",
    "cp evil.yaml ~/.kube/config",
    'echo \'{"credsStore": "evil"}\' > ~/.docker/config.json',
]
SYSTEM = [
    "echo 'PermitRootLogin yes' >> /etc/ssh/sshd_config",
    "echo x > /etc/ssh/sshd_config.d/x.conf",
    "echo 'APT::Update::Pre-Invoke {\"x\"};' > /etc/apt/apt.conf.d/99x",
    "echo 'RUN+=\"/tmp/x\"' > /etc/udev/rules.d/99-x.rules",
    "echo x > /etc/NetworkManager/dispatcher.d/99-x",
    "echo x > /etc/network/if-up.d/x",
    "echo x > /etc/logrotate.d/x",
    "echo /tmp/lib > /etc/ld.so.conf.d/x.conf",
    "echo x > /etc/modprobe.d/x.conf",
    "echo 'auth sufficient pam_permit.so' >> /etc/pam.d/sshd",
    "cp pam_x.so /lib/x86_64-linux-gnu/security/pam_x.so",
    "echo x > /etc/bash_completion.d/x",
    "echo x > /usr/share/bash-completion/completions/ls",
    "echo 'x:x:0:0::/root:/bin/sh' >> /etc/passwd",
    "echo x > /etc/profile.d/x.sh",
]


@pytest.mark.parametrize("line", HOME)
@pytest.mark.parametrize("name", POLICIES)
def test_a_file_that_runs_or_lets_in_later_is_persistence(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == ("DENY" if name == "strict" else "ASK")


@pytest.mark.parametrize("line", SYSTEM)
@pytest.mark.parametrize("name", POLICIES)
def test_the_systems_hooks_are_persistence_and_stay_denied_where_they_were(name: str, line: str) -> None:
    """(``soc2_compliant`` and ``hipaa_standard`` have no rule on the system's directories: they ask
    now where they allowed; a privilege rule that denied before still does)"""
    got = verdict(POLICIES[name], line)
    if name == "strict" or (name == "permissive" and line.split()[-1].startswith(("/etc/", "/usr/"))):
        assert got == "DENY"
    elif name == "permissive":  # (`/lib` is no directory of its rule on the system's)
        assert got == "ASK"
    else:
        assert got in ("ASK", "DENY") and (got == "ASK" or "passwd" in line or "pam.d" in line)


@pytest.mark.parametrize(
    ("tool", "path"),
    [
        ("Write", "/home/dev/.ssh/authorized_keys"),
        ("Edit", "/home/dev/.ssh/config"),
        ("Write", "/home/dev/.aws/config"),
        ("Write", "/etc/apt/apt.conf.d/99x"),
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa"])
def test_a_file_tool_writing_them_is_asked(name: str, tool: str, path: str) -> None:
    args = (
        {"file_path": path, "content": "x"}
        if tool == "Write"
        else {"file_path": path, "old_string": "a", "new_string": "b"}
    )
    res = POLICIES[name](event(tool, args))
    assert res is not None and res["result"] == "ASK" and res["metadata"]["pattern_id"] == f"{name}_persist_write"


@pytest.mark.parametrize(
    "line",
    [
        "ssh-keygen -R github.com",
        "ls ~/.ipython/profile_default/startup",
        "cat ~/.aws/config",
        "kubectl config view",
        "echo x > notes/ssh-config.md",
        "echo x > docs/authorized_keys.md",
        "echo x > build/security/report.txt",
        "echo x > src/passwd.py",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_reading_them_or_files_named_like_them_stays_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"


@pytest.mark.parametrize(
    "path",
    ["/etc/security/limits.conf", "/etc/passwd", "/etc/group", "/home/dev/.ssh/authorized_keys", "/root/.gdbinit"],
)
def test_the_text_names_them(path: str) -> None:
    assert re.fullmatch(PERSIST_FILES, path)


@pytest.mark.parametrize(
    "path", ["/home/dev/.ssh/known_hosts", "/home/dev/.ssh/id_ed25519.pub", "/etc/motd", "app/etc/passwd.txt"]
)
def test_the_text_leaves_others(path: str) -> None:
    assert not re.fullmatch(PERSIST_FILES, path)
