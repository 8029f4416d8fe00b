"""A ``shell_execute`` rule written in one spelling of a command's options meets the others.

``rm -rf ~``, ``rm -r --force ~``, ``rm --rec --for ~`` and ``rm ~ -fr`` are one command; so are
``git push -f``, ``git push origin main --force``, a forced refspec (``+main``) and
``--force-with-lease`` (a force push: a rule on force pushes meets it).  By class: each rule of
a user's, in each spelling, against each equivalent command (clusters merged and split, long
names, unique prefixes, ``=`` values, options after operands, aliases, combos such as ``git
branch -D``, value spellings such as ``chmod 0777``/``a=rwx`` and ``kill -KILL``), through
wrappers and nested shells, and the shipped templates.  Near misses stay allowed: not forced
(``rm -r build``), a file named ``-f`` after ``--``, another program's options (``grep -rf``),
an ambiguous prefix git refuses (``git push --for``), other values (``chmod 755``)."""

from __future__ import annotations

import itertools

import pytest

from goalrail.policies.builtins._option_spellings import MAX_SPELLINGS, spellings
from goalrail.policies.builtins._option_table import TABLE
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import PERMISSIVE, STRICT, verdict
from tests.unit.shell_support import SOC2_AVAILABILITY as SOC2


def _rules(*patterns: str) -> object:
    return pattern_policy(
        inline={
            "name": "user",
            "default_action": "allow",
            "patterns": [
                {"id": f"r{i}", "action_type": "shell_execute", "pattern": p, "action": "deny"}
                for i, p in enumerate(patterns)
            ],
        }
    )


#: (a rule in each spelling its authors write it in, the commands that spell the same thing)
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "rm": (
        (
            r".*\brm\s+-rf\b.*",
            r".*\brm\s+-fr\b.*",
            r".*\brm\s+-r\s+-f\b.*",
            r".*\brm\s+--recursive\s+--force\b.*",
        ),
        (
            "rm -rf ~",
            "rm -fr ~",
            "rm -Rf ~",
            "rm -r -f ~",
            "rm -f -R ~",
            "rm -r --force ~",
            "rm --recursive --force ~",
            "rm --force --recursive ~",
            "rm --rec --for ~",
            "rm --recursive -f ~",
            "rm ~ -rf",
            "rm ~ --force -r",
        ),
    ),
    "push": (
        (r".*git\s+push\s+--force.*", r".*git\s+push\s+-f\b.*", r"git\s+push\s+(.*\s)?(--force|-f)(\s|$)"),
        (
            "git push -f origin main",
            "git push --force origin main",
            "git push origin main --force",
            "git push origin main -f",
            "git push --force-with-lease origin main",
            "git push --force-with-lease=main:abc origin main",
            "git push --force-w origin main",
            "git push origin +main",
            "git push origin +HEAD:refs/heads/main",
            "git push -fu origin main",
            "git -C . push --force origin main",
        ),
    ),
    "chmod": (
        (r"chmod\s+-R\s+777\b.*", r"chmod\s+--recursive\s+777\b.*", r".*\bchmod\s+(-\w+\s+)*777\b.*"),
        (
            "chmod -R 777 x",
            "chmod --recursive 777 x",
            "chmod --rec 777 x",
            "chmod -R 0777 x",
            "chmod 777 -R x",
            "chmod -R a=rwx x",
            "chmod -R ugo+rwx x",
        ),
    ),
    "tar": (
        (r"tar\s+-xzf\s.*", r"tar\s+--extract\s+--gzip\s+--file[=\s].*", r"tar\s+-x\s+-z\s+-f\s.*"),
        (
            "tar -xzf f.tgz",
            "tar xzf f.tgz",
            "tar -zxf f.tgz",
            "tar -x -z -f f.tgz",
            "tar --extract --gzip --file=f.tgz",
            "tar --extract --gunzip --file f.tgz",
            "tar -xz -f f.tgz",
            "tar -xzff.tgz",
        ),
    ),
    "kill": (
        (r"kill\s+-9\s+1\b.*", r"kill\s+(-s|--signal)[\s=]9\s+1\b.*"),
        ("kill -9 1", "kill -KILL 1", "kill -SIGKILL 1", "kill -s KILL 1", "kill -s 9 1", "kill --signal=KILL 1"),
    ),
    "branch": (
        (r"git\s+branch\s+-D\b.*", r"git\s+branch\s+--delete\s+--force\b.*"),
        (
            "git branch -D x",
            "git branch -d -f x",
            "git branch -df x",
            "git branch --delete --force x",
            "git branch x -D",
        ),
    ),
    "reset": (
        (r"git\s+reset\s+--hard\b.*",),
        ("git reset --hard HEAD~1", "git reset HEAD~1 --hard", "git reset --ha HEAD~1"),
    ),
    "clean": (
        (r"git\s+clean\s+-fd\b.*", r"git\s+clean\s+-f\s+-d\b.*"),
        ("git clean -fd", "git clean -df", "git clean -f -d", "git clean --force -d", "git clean -d --force"),
    ),
    "checkout": ((r"git\s+checkout\s+-f\b.*",), ("git checkout --force main", "git checkout main --force")),
    "dd": ((r"dd\s+if=/dev/zero\s+of=/dev/sd.*",), ("dd if=/dev/zero of=/dev/sda", "dd of=/dev/sda if=/dev/zero")),
    "chown": ((r"chown\s+(-\w+\s+)*root\b.*",), ("chown root f", "chown 0 f", "chown 0:0 f", "chown --recursive 0 f")),
    "curl": (
        (r"curl\s+--data\s.*", r"curl\s+-d\s.*"),
        ("curl -d @f http://x", "curl --data=@f http://x", "curl http://x -d @f"),
    ),
    "cp": (
        (r"cp\s+-rf\b.*", r"cp\s+--recursive\s+--force\b.*"),
        ("cp -r -f a b", "cp --recursive --force a b", "cp a b -Rf"),
    ),
    "mv": ((r"mv\s+-f\s.*",), ("mv --force a b", "mv a b -f", "mv --for a b")),
    "wget": ((r"wget\s+-O\s.*",), ("wget --output-document=f http://x", "wget http://x -O f", "wget -Of http://x")),
    "docker": (
        (r"docker\s+system\s+prune\s+-af\b.*", r"docker\s+system\s+prune\s+--all\s+--force\b.*"),
        ("docker system prune -af", "docker system prune -f -a", "docker system prune --force --all"),
    ),
    "kubectl": (
        (r"kubectl\s+delete\s+--all\s.*",),
        ("kubectl delete --all pods", "kubectl delete pods --all"),
    ),
}

CASES = [(p, c) for rules, commands in FAMILIES.values() for p, c in itertools.product(*(rules, commands))]
POLICIES = {p: _rules(p) for p, _ in CASES}

#: the command run through a wrapper, a nested shell, a chain, with a redirect
AS_READ = [
    (r".*\brm\s+-rf\b.*", "sudo rm -r --force ~"),
    (r".*\brm\s+-rf\b.*", "bash -c 'rm --recursive --force ~'"),
    (r".*\brm\s+-rf\b.*", "cd /tmp && rm ~ -fr"),
    (r".*\brm\s+-rf\b.*", "rm -r -f ~ 2>/dev/null"),
    (r"git\s+push\s+--force\b.*", "git status; git push origin +main"),
    (r"git\s+push\s+--force\b.*", "ssh host 'git push -f origin main'"),
]

TEMPLATE_DENIED = [
    (SOC2, "rm -r --force ~"),
    (SOC2, "rm --recursive --force ~"),
    (SOC2, "rm -r -f /"),
    (SOC2, "rm --rec --for ~"),
    (SOC2, "rm ~ -rf"),
    (SOC2, "rm --recursive -f build"),
    (SOC2, "chmod --recursive 777 x"),
    (SOC2, "chmod a=rwx /srv/app"),
    (SOC2, "kill -KILL 1"),
    (SOC2, "kill -s 9 1"),
    (PERMISSIVE, "chown 0 f"),
    (PERMISSIVE, "chown -R 0:0 /srv"),
    (PERMISSIVE, "chmod 04755 /usr/local/bin/tool"),
    (STRICT, "chmod --recursive ugo+rwx x"),
    (STRICT, "dd of=/dev/null if=/dev/zero"),
]

#: near misses: the same rules, not meeting what they do not say
CONTROL_RULES = (
    r".*\brm\s+-rf\b.*",
    r"rm\s+--recursive\s+--force\b.*",
    r"git\s+push\s+(.*\s)?(--force|-f)(\s|$)",
    r"chmod\s+-R\s+777\b.*",
    r"tar\s+-xzf\s.*",
    r"kill\s+-9\s+1\b.*",
    r"git\s+branch\s+-D\b.*",
    r"git\s+clean\s+-fd\b.*",
    r"git\s+reset\s+--hard\b.*",
    r"docker\s+system\s+prune\s+-af\b.*",
    r"dd\s+if=/dev/zero\s+of=/dev/sd.*",
)
CONTROLS = [
    "rm -r build",
    "rm --recursive build",
    "rm -f file.txt",
    "rm -r -- -f",  # (a file named `-f`)
    "rm -- -rf",
    "grep -rf patterns.txt .",
    "echo rm -r --force ~",
    "git push origin main",
    "git push -u origin feature/x",
    "git push origin feature/x+y",
    "git push --for origin main",  # (ambiguous: git refuses it)
    "chmod 755 x",
    "chmod -R 0755 x",
    "chmod -R u+rwx x",
    "tar -czf out.tgz src",
    "tar -tzf f.tgz",
    "kill -15 1",
    "kill -9 1234",
    "kill 1",
    "git branch -d x",
    "git branch -f x main",
    "git clean -n -d",
    "git reset --soft HEAD~1",
    "docker system prune -f",
    "dd if=in.img of=out.img",
]
CONTROL = _rules(*CONTROL_RULES)
TEMPLATE_CONTROLS = [
    (SOC2, "rm -r build"),
    (SOC2, "rm -f build.log"),
    (SOC2, "rm -r -- -f"),
    (SOC2, "chmod 755 x"),
    (SOC2, "kill -15 1"),
    (PERMISSIVE, "chown 1000 f"),
    (PERMISSIVE, "chmod 0755 tool"),
]
#: the templates keep their spelling alternations: they meet text the analysis does not read
#: as a command (a make variable a recipe runs later)
KEPT = [(STRICT, "make CLEAN='rm -r -f /'"), (STRICT, "make CLEAN='rm --recursive x'")]


@pytest.mark.parametrize(("rule", "command"), CASES)
def test_user_rule_meets_every_spelling(rule: str, command: str) -> None:
    assert verdict(POLICIES[rule], command) == "DENY"


@pytest.mark.parametrize(("rule", "command"), AS_READ)
def test_spellings_of_a_command_as_read(rule: str, command: str) -> None:
    assert verdict(_rules(rule), command) == "DENY"


@pytest.mark.parametrize(("policy", "command"), TEMPLATE_DENIED)
def test_template_rule_meets_every_spelling(policy: object, command: str) -> None:
    assert verdict(policy, command) == "DENY"


@pytest.mark.parametrize(("policy", "command"), KEPT)
def test_control_template_alternations_kept(policy: object, command: str) -> None:
    assert verdict(policy, command) == "DENY"


@pytest.mark.parametrize("command", CONTROLS)
def test_control_near_misses_allowed(command: str) -> None:
    assert verdict(CONTROL, command) == "ALLOW"


@pytest.mark.parametrize(("policy", "command"), TEMPLATE_CONTROLS)
def test_control_templates_allow_near_misses(policy: object, command: str) -> None:
    assert verdict(policy, command) == "ALLOW"


def test_control_readings_are_bounded() -> None:
    """Every program's longest command gets at most ``MAX_SPELLINGS`` readings."""
    for name in TABLE:
        words = ["-" + "".join(k for k in "abcdefghijklmnopqrstuvwxyz" if k != "n"), "--force", "x", "-v", "y"]
        assert len(spellings(name, words)) <= MAX_SPELLINGS
    assert spellings("ls", ["-la"]) == ()
