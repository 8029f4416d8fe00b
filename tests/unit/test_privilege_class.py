"""Running a command with more privilege than the agent has, or outside its sandbox, by class.

The shipped templates that promise to block privilege escalation (``strict``: "running as
another user"; ``soc2_compliant``: ``soc2_privilege_escalation``; ``permissive``: "privilege
escalation") named ``sudo``, ``su``, ``doas``, ``pkexec``, ``run0``, ``runuser``, ``chmod 777``
and ``chown root``; every other program that does the same was allowed: namespace and root
changers (``nsenter``, ``chroot``, ``unshare``), other launchers (``systemd-run``, ``machinectl
shell``, ``setpriv``, ``capsh``, ``gosu``, ``sg``, ``newgrp``, ``toybox su``), a container with the
host's privileges (``docker run --privileged``, ``--pid=host``, ``-v /:/host``, ``kubectl debug
node/``), ``ssh`` as root, setuid modes and capabilities, account and sudoers changes.  Each is
tried as written and through the wrappers, nested shells, remote and interpreter forms the
shell analysis reads; the near misses (``CONTROLS``) stay allowed.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
import yaml

from goalrail.patterns.builtin_policies import resolve_policy
from goalrail.patterns.templates._base import PRIV_ESC, PRIV_RUN
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import event, verdict

POLICIES = {name: pattern_policy(policy=name) for name in ("strict", "soc2_compliant", "permissive")}
NAMES = tuple(POLICIES)

#: denied under all three templates; before, nearly all were allowed under all three (``permissive``
#: named ``setcap``, ``visudo`` and setuid ``chmod``; ``strict`` and ``permissive`` denied writes
#: under ``/etc`` and ``/usr``; ``usermod -aG sudo`` met the rule on the word ``sudo``)
ATTACKS = [
    # namespaces and roots
    "nsenter -t 1 -m -u -i -n -p sh",
    "nsenter --target 1 --all -- sh",
    "chroot /host sh",
    "unshare -r sh",
    "unshare --map-root-user --mount sh",
    "systemd-nspawn -D / sh",
    # launchers that run as another user, group or through the system manager
    "systemd-run --uid=0 sh",
    "systemd-run -p User=root sh",
    "systemd-run --property=User=root --pty bash",
    "systemd-run --scope bash",
    "systemd-run sh -c 'x --user'",
    "systemd-run --scope -p MemoryMax=1G --user make",
    "systemd-run --user -p User=root sh",
    "unshare --help",  # decided: a named program is denied in any use, as `sudo --help` is
    "machinectl shell root@",
    "machinectl shell",
    "machinectl login .host",
    "setpriv --reuid=0 --regid=0 --init-groups sh",
    "capsh --user=root --",
    "capsh --uid=0 --",
    "gosu root sh",
    "su-exec root sh",
    "chpst -u root sh",
    "toybox su",
    "sg wheel -c id",
    "newgrp docker",
    "ksu",
    "pfexec sh",
    "dzdo -i",
    "osascript -e 'do shell script \"id\" with administrator privileges'",
    # containers with the host's privileges, namespaces, devices or directories
    "docker run --privileged alpine sh",
    "docker run -v /:/host alpine chroot /host",
    "docker run --volume=/etc:/h alpine sh",
    "docker run -itv/:/h alpine sh",
    "docker run -v /var/run/docker.sock:/var/run/docker.sock docker:cli sh",
    "docker run --mount type=bind,source=/,target=/host alpine sh",
    "docker run --pid=host alpine sh",
    "docker run --pid host alpine sh",
    "docker run --userns=host alpine sh",
    "docker run --network host alpine sh",
    "docker run --cap-add=SYS_ADMIN alpine sh",
    "docker run --security-opt seccomp=unconfined alpine sh",
    "docker run --security-opt apparmor=unconfined alpine sh",
    "docker run --device /dev/sda alpine sh",
    "docker create --privileged alpine",
    "ctr run --privileged docker.io/library/alpine:latest x sh",
    'kubectl run x --image=alpine --overrides=\'{"spec":{"hostPID":true}}\'',
    "docker exec --privileged app sh",
    "podman run --privileged alpine sh",
    "docker-compose run --privileged app sh",
    "nerdctl run --pid=host alpine sh",
    "kubectl debug node/n1 -it --image=busybox",
    "kubectl debug -it mypod --image=busybox --profile=sysadmin",
    "lxc config set c1 security.privileged true",
    # another machine (or this one) as root
    "ssh root@localhost",
    "ssh -l root 127.0.0.1",
    "ssh -lroot 127.0.0.1 id",
    "ssh host -l root",
    "ssh -o User=root host",
    "ssh -oUser=root host",
    "ssh ssh://root@host",
    "scp x root@host:/etc/",
    "rsync -a dist/ root@web:/var/www",
    "mosh root@host",
    "ssh-copy-id root@host",
    # setuid and setgid modes, capabilities
    "chmod u+s /tmp/x",
    "chmod 4755 /tmp/x",
    "chmod 04755 /tmp/x",
    "chmod -R u=rwxs x",
    "chmod a+rx,u+s x",
    "chmod g+s dir",
    "install -m 4755 x /usr/local/bin/x",
    "install --mode=u+s x /tmp/y",
    "setcap cap_setuid+ep /tmp/x",
    # accounts, groups, sudoers
    "visudo",
    "visudo -f /etc/sudoers.d/me",
    "vipw",
    "usermod -aG docker me",
    "usermod -aG wheel me",
    "useradd -o -u 0 -g 0 toor",
    "gpasswd -a me wheel",
    "adduser me wheel",
    "passwd root",
    "echo root:x | chpasswd",
]

#: the same, spelled through wrappers, nested shells, another machine and interpreter code
SPELLINGS = [
    "/usr/bin/nsenter -t 1 -a sh",
    "\\chroot /host sh",
    "command chroot /host sh",
    "exec nsenter -t 1 -a sh",
    '"$(which nsenter)" -t 1 -a sh',
    "x=chroot; $x /host sh",
    "nice -n 5 unshare -r sh",
    "env -i nsenter -t 1 -a sh",
    "timeout 5 chroot /host sh",
    "cd / && chroot /host sh",
    "true; docker run --privileged alpine sh",
    "bash -c 'nsenter -t 1 -a sh'",
    'sh -c "docker run --pid=host alpine sh"',
    "find . -maxdepth 0 -exec nsenter -t 1 -m sh \\;",
    "echo 1 | xargs nsenter -m -t",
    "ssh host 'docker run --privileged -v /:/host alpine sh'",
    "docker exec app nsenter -t 1 -a sh",
    "python -c \"import os; os.system('chroot /host sh')\"",
    "bash -c 'ssh root@localhost id'",
    "echo x | nice tee -a /etc/sudoers",
    "nice sg wheel id",
    "busybox chroot /host sh",
    'docker run -v "/:/host" alpine sh',
    "true; nice -n1 setpriv --reuid=0 sh",
]

#: benign near misses: ALLOW under all three (counted as controls, not as tests that fail on base)
CONTROLS = [
    "docker run --rm python:3.11 python -V",
    "docker run -p 8080:80 nginx",
    "docker ps",
    "podman run --rm alpine echo hi",
    "ssh deploy@host uptime",
    "ssh -l deploy host uptime",
    "echo root@host",
    "git log --author=root@example.com",
    "rsync -a dist/ deploy@web:/var/www",
    "ls /etc/sudoers.d",
    "capsh --print",
    "machinectl list",
    "systemd-run --user --scope -p MemoryMax=1G make",
    "getent passwd me",
    "id -Gn",
    "groups",
    "getcap /usr/bin/ping",
    "toybox ls",
    "ls sudo-notes/",
    "python -m pip install requests",
    "firejail --noroot make",
    "echo sg",
    "aws ec2 describe-security-groups --group-ids sg-0abc",
    "git status",
]
#: near misses ``strict`` asks about for its own reasons (every mode change, a run-time volume
#: path), as before: allowed under the other two, asked (not denied) under ``strict``
STRICT_ASKS = [
    "docker run --rm -v $PWD/out:/out alpine ls /out",
    "chmod 755 build/run.sh",
    "chmod u+x build/run.sh",
    "chmod -R g-s dir",
    "install -m 755 x build/x",
    "chown -R 1000:1000 build",
    "ssh-keygen -t ed25519 -C root@host -f build/key",  # (writes build/key and build/key.pub)
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("command", ATTACKS)
def test_running_with_more_privilege_is_denied(name: str, command: str) -> None:
    assert verdict(POLICIES[name], command) == "DENY"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("command", SPELLINGS)
def test_every_spelling_is_denied(name: str, command: str) -> None:
    assert verdict(POLICIES[name], command) == "DENY"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("command", CONTROLS)
def test_near_misses_stay_allowed(name: str, command: str) -> None:
    assert verdict(POLICIES[name], command) == "ALLOW"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("command", STRICT_ASKS)
def test_strict_still_only_asks_about_near_misses(name: str, command: str) -> None:
    assert verdict(POLICIES[name], command) == ("ASK" if name == "strict" else "ALLOW")


def _rule(policy: str, pid: str) -> dict[str, Any]:
    text = resources.files("goalrail.patterns").joinpath("data", f"{policy}.yaml").read_text(encoding="utf-8")
    return next(p for p in yaml.safe_load(text)["patterns"] if p["id"] == pid)


@pytest.mark.parametrize(
    ("policy", "pid"),
    [
        ("strict", "strict_shell_privilege"),
        ("strict", "strict_process_privilege"),
        ("permissive", "permissive_shell_privilege"),
    ],
)
def test_the_built_ins_hold_the_templates_rule(policy: str, pid: str) -> None:
    """The YAML built-ins carry ``PRIV_RUN`` as written (one class, one text to keep up)."""
    pattern = _rule(policy, pid)["pattern"]
    assert pattern.startswith(f".*({PRIV_RUN}")
    assert PRIV_ESC.startswith(f".*({PRIV_RUN}")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("command", ["nsenter -t 1 -a sh", "docker run --privileged alpine", "ssh root@db"])
def test_the_line_as_written_is_denied_without_the_analysis(name: str, command: str) -> None:
    """``Policy.evaluate`` (``KernelSpace``) matches the line with no shell analysis."""
    res = resolve_policy(name).evaluate("shell_execute", command)
    assert res.matched and res.action == "deny"


def test_strict_denies_a_process_spawned_into_another_namespace() -> None:
    res = resolve_policy("strict").evaluate("process_spawn", "nsenter -t 1 -a sh")
    assert res.matched and res.action == "deny" and res.pattern_id == "strict_process_privilege"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "path",
    [
        "/etc/sudoers",
        "/etc/sudoers.d/agent",
        "/etc/passwd",
        "/etc/shadow",
        "/etc/cron.d/x",
        "/root/.ssh/authorized_keys",
    ],
)
def test_writing_who_may_run_as_root_is_denied(name: str, path: str) -> None:
    """The Write tool too: ``soc2_compliant`` had no rule on these files, ``permissive`` none on /root."""
    res = POLICIES[name](event("Write", {"file_path": path, "content": "agent ALL=(ALL) NOPASSWD: ALL\n"}))
    assert res is not None and res["result"] == "DENY"


@pytest.mark.parametrize("name", NAMES)
def test_a_setuid_mode_is_denied_as_a_mode_change(name: str) -> None:
    """The rule is on ``file_chmod`` too: a tool or a spelling the shell rule does not read."""
    rule = {"strict": "strict_chmod_setuid", "soc2_compliant": "soc2_setuid", "permissive": "permissive_chmod_setuid"}
    policy = resolve_policy(name)
    for target in ("/tmp/x:4755", "/tmp/x:02775", "/tmp/x:u+s", "/tmp/x:u+x,g+s"):
        assert policy.evaluate("file_chmod", target).pattern_id == rule[name], target
    for target in ("/tmp/x:755", "/tmp/x:1777", "/tmp/x:g-s", "/tmp/x:root:root"):
        assert policy.evaluate("file_chmod", target).pattern_id != rule[name], target


def test_the_rule_names_no_command_text() -> None:
    res = POLICIES["soc2_compliant"](event("Bash", {"command": "nsenter -t 1 -a sh # s3cr3t-token"}))
    assert res is not None and "s3cr3t" not in str(res.get("reason", ""))
    assert re.search(r"soc2_privilege_escalation", str(res.get("reason", "")))
