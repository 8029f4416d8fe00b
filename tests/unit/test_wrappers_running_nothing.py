"""A wrapper or launcher with no command after it runs as itself, and every ``shell_execute`` rule
meets it wherever it stands.

``su``, ``su -``, ``sudo -i``, ``doas -s``, ``runuser -u x``, ``pkexec``, ``sg grp`` and ``script``
with no command open a shell (as another user, group, or recorded); ``env`` and ``nice`` print;
``command -v`` looks a name up.  The analysis dropped such a wrapper (it peels wrappers to the
command behind them, and there was none), so behind another wrapper, after another command, in a
subshell, in ``bash -c``, quoted or through a variable it met only the rules that match anywhere
on the line: ``nice su``, ``cd / && su``, ``builtin su`` and ``'su' - root`` were allowed by
``strict`` and ``soc2`` (``^su(\\s|$)``), and a user's ``^sudo\\b`` missed ``cd / && sudo -i``.
Its redirections were lost with it (``nice su > /etc/passwd`` wrote nothing the file rules saw).

Also: a name that a case-insensitive volume folds to a modelled program (``ſudo``, U+017F) is read
as that program, while look-alikes no file system folds (fullwidth, Cyrillic, zero-width) are other
names; and the templates' rules on program names no longer deny a hyphenated mention
(``ls sudo-notes/``, ``cat wipefs-howto.txt``) while every spelling they denied stays denied,
on the raw line too (``KernelSpace``, which matches the line without the analysis).
"""

from __future__ import annotations

import pytest

from goalrail.patterns.kernel import KernelSpace
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_file_effects import file_effects
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import PERMISSIVE, STRICT, verdict
from tests.unit.shell_support import SOC2_AVAILABILITY as SOC2

TEMPLATES = [STRICT, SOC2, PERMISSIVE]
NAMES = ["strict", "soc2", "permissive"]


def _rules(*patterns: str) -> object:
    return pattern_policy(
        inline={
            "name": "run_as",
            "default_action": "allow",
            "patterns": [
                {"id": f"r{i}", "action_type": "shell_execute", "pattern": p, "action": "deny"}
                for i, p in enumerate(patterns)
            ],
        }
    )


#: a user's own rules naming programs as the command (anchored, as a pattern matches from the start)
USER = _rules(
    r"^su\b",
    r"^sudo\b",
    r"^doas\b",
    r"^pkexec\b",
    r"^runuser\b",
    r"^chroot\b",
    r"^nsenter\b",
    r"^unshare\b",
    r"^script\b",
    r"^sg\b",
    r"^flock\b",
)

#: `su` with no command behind a wrapper, after a command, nested, quoted, through a variable
SU_HIDDEN = [
    "nice su",
    "cd / && su",
    "builtin su",
    "'su' - root",
    '"su" root',
    "s\\u -",
    "$'su'",
    "env -i su",
    "timeout 5 su",
    "nohup su",
    "xargs su",
    "find . -exec su \\;",
    "(su)",
    "{ su; }",
    "echo $(su)",
    "echo x | su",
    "true; su",
    "bash -c su",
    "bash -c \"'su' -\"",
    "x=su; $x",
    'x=su; "$x" -',
    "ssh host su",
    "docker exec c su",
    "if true; then su; fi",
    "nice ſu",  # U+017F folds to `s`
    "cd / && Su",
]


@pytest.mark.parametrize("command", SU_HIDDEN)
@pytest.mark.parametrize("policy", TEMPLATES, ids=NAMES)
def test_su_with_no_command_is_denied_wherever_it_stands(policy: object, command: str) -> None:
    assert verdict(policy, command) == "DENY"


#: a user's rule naming the program as the command meets it with no command behind it
USER_DENIED = [
    "nice su",
    "cd / && sudo -i",
    "true; sudo -s",
    "'sudo' -i",
    "nice doas -s",
    "cd / && pkexec",
    "'runuser' -u root",
    "env chroot /",
    "cd / && nsenter -t 1 -a",
    "nice unshare -r",
    "cd /tmp && script -q /dev/null",
    "cd / && sg wheel",
    "nice flock /tmp/l",
    "ſudo -i",
    "cd / && SUDO -s",
]


@pytest.mark.parametrize("command", USER_DENIED)
def test_user_rule_naming_the_program_meets_it_alone(command: str) -> None:
    assert verdict(USER, command) == "DENY"


def test_the_wrapper_is_recorded_behind_the_wrappers_before_it() -> None:
    cmds = analyze("nice -n 5 sudo -i").commands
    assert [(c.argv, [w.name for w in c.wrappers]) for c in cmds] == [(("sudo", "-i"), ["nice"])]
    assert [c.argv for c in analyze("cd / && su - root").commands] == [("cd", "/"), ("su", "-", "root")]


def test_its_redirections_are_seen_by_the_file_rules() -> None:
    assert ("file_write", "/etc/passwd", 0, "") in file_effects("nice su > /etc/passwd")
    assert ("file_write", "/etc/x", 0, "") in file_effects("cd / && sudo -i > /etc/x")


#: mentions, and wrappers that run nothing harmful: allowed (controls)
MENTIONS = [
    "echo su",
    "man su",
    'git commit -m "su fix"',
    "cat sudoers.d",
    "type su",
    "builtin command -v su",
    "nice",  # (`env` alone prints the environment: a read of every variable, tests/unit/test_env_access.py)
    "echo su | xargs echo",
]


@pytest.mark.parametrize("command", MENTIONS)
@pytest.mark.parametrize("policy", [STRICT, SOC2], ids=["strict", "soc2"])
def test_mentions_stay_allowed(policy: object, command: str) -> None:
    assert verdict(policy, command) == "ALLOW"


@pytest.mark.parametrize(
    "command",
    ["which sudo", "command -v sudo", "type -p su", "echo sudo -i", "man doas", "cat /etc/sudo.conf", "exec > out.txt"],
)
def test_mentions_stay_allowed_under_user_rules(command: str) -> None:
    assert verdict(USER, command) == "ALLOW"


def test_exec_with_no_command_runs_nothing() -> None:
    assert analyze("exec > out.txt").commands == ()
    assert analyze("exec 3< f; cat <&3").commands[0].argv == ("cat",)


#: look-alikes no file system folds are other programs (bash looks up the bytes): allowed (controls)
@pytest.mark.parametrize("command", ["ｓｕｄｏ ls", "s\u200bu", "\u0455udo -i", "ＳＵ"])
def test_look_alike_names_are_other_programs(command: str) -> None:
    assert verdict(USER, command) == "ALLOW"


#: hyphenated mentions of a program the templates name: allowed now
HYPHENATED = ["ls sudo-notes/", "cat wipefs-howto.txt", "cat mkswap-notes.md", "less doas-setup.md"]


@pytest.mark.parametrize("command", HYPHENATED)
def test_hyphenated_mentions_are_allowed_under_strict(command: str) -> None:
    assert verdict(STRICT, command) == "ALLOW"


@pytest.mark.parametrize("command", ["ls sudo-notes/", "vim pkexec-howto.md"])
@pytest.mark.parametrize("policy", [SOC2, PERMISSIVE], ids=["soc2", "permissive"])
def test_hyphenated_mentions_are_allowed_by_the_other_templates(policy: object, command: str) -> None:
    assert verdict(policy, command) == "ALLOW"


#: what the rules denied on the raw line stays denied there (controls)
RAW_DENIED = [
    "sudo ls",
    "nice sudo ls",
    "sudo-rs ls",
    "/usr/bin/sudo ls",
    "sudo.exe ls",
    "x; sudo",
    "(sudo ls)",
    "mkfs.ext4 /dev/sdb",
    "nice wipefs -a /dev/sdb",
    "echo sudo",
]


@pytest.mark.parametrize("command", RAW_DENIED)
def test_template_denials_on_the_raw_line_are_kept(command: str) -> None:
    kernel = KernelSpace(policy="strict")
    assert not kernel.evaluate("shell_execute", command).allowed
    assert verdict(STRICT, command) == "DENY"
