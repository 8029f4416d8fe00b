"""A recursive act on a directory meets the rules on every path beneath it.

``rm -rf /`` deletes ``/etc`` too, but the rules were matched against ``/`` as written: on base a
``deny`` rule that reaches some path under the directory (``_pattern_trees.reaches``) only
*asked*, whatever the act, and a mode change's rule on ``path:MODE`` was weighed without its
mode.  Now a command that acts on *every* file under its directory (``rm -r``, ``chmod -R``,
``chown -R``, ``find D -delete``, ``find D -exec rm {} +``) meets such a rule as it stands (its
own verdict: denied, or asked where the rule asks); one that acts on *some* of them (``find D
-name x -delete``, ``rsync --delete``, ``git clean``, a copy into ``D``) is asked.  A home's
recursive delete under ``permissive`` is its stated "allowed with warning".  Near misses (a
project's ``build``, ``/tmp``, a mode no rule forbids) stay allowed.
"""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._pattern_trees import reaches
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import PERMISSIVE, STRICT, event, verdict
from tests.unit.shell_support import SOC2_AVAILABILITY as SOC2

USER = pattern_policy(
    inline={
        "name": "user_files",
        "default_action": "allow",
        "patterns": [
            {"id": "shadow_d", "action_type": "file_delete", "pattern": "^/etc/shadow$", "action": "deny"},
            {"id": "ssh_d", "action_type": "file_delete", "pattern": r".*\.ssh(/|$)", "action": "deny"},
            {
                "id": "keys_d",
                "action_type": "file_delete",
                "pattern": "^/srv/keys/.*",
                "action": "deny",
                "violation_mode": "sigstop",
            },
            {"id": "ww", "action_type": "file_chmod", "pattern": ".*:0?[0-7]?[0-7][2367]$", "action": "deny"},
        ],
    }
)

#: (policy, command, verdict now); each was more lenient on base
TIGHTENED = [
    # every file under the directory: the rule's own verdict
    (PERMISSIVE, "rm -Rf /", "DENY"),
    (PERMISSIVE, "rm -rf /", "DENY"),
    (PERMISSIVE, "rm -r --force /", "DENY"),
    (PERMISSIVE, "find / -delete", "DENY"),
    (PERMISSIVE, "find / -mindepth 1 -xdev -delete", "DENY"),
    (PERMISSIVE, "find / -exec rm -rf {} +", "DENY"),
    (PERMISSIVE, "find / -depth -execdir shred -u {} \\;", "DENY"),
    (PERMISSIVE, "chmod -R 777 /", "DENY"),
    (PERMISSIVE, "chown -R me /", "DENY"),
    (SOC2, "find / -delete", "DENY"),
    (SOC2, "find /var -delete", "DENY"),
    (STRICT, "find / -delete", "DENY"),
    (USER, "rm -rf /etc", "DENY"),
    (USER, "rm -rf ~", "DENY"),
    (USER, "find ~ -delete", "DENY"),
    (USER, "find / -exec chmod 0777 {} +", "DENY"),
    # some files under it: asked
    (USER, "find / -type f -exec rm {} +", "ASK"),
    (USER, "git -C /etc clean -fdx", "ASK"),
    (USER, "rsync -a --delete empty/ /etc/", "ASK"),
]

#: near misses and the unchanged (base gave the same)
CONTROLS = [
    (PERMISSIVE, "rm -rf ./build", "ALLOW"),
    (PERMISSIVE, "rm -rf node_modules", "ALLOW"),
    (PERMISSIVE, "rm -rf /tmp/build", "ALLOW"),
    (PERMISSIVE, "find . -name '*.pyc' -delete", "ALLOW"),
    (PERMISSIVE, "chmod -R u+w ./dist", "ALLOW"),
    (PERMISSIVE, "chmod -R 777 /tmp/x", "ALLOW"),
    (PERMISSIVE, "find / -name '*.log' -delete", "ASK"),
    (PERMISSIVE, "rm -rf /etc", "DENY"),
    (SOC2, "find . -name '*.pyc' -delete", "ALLOW"),
    (SOC2, "chmod -R u+w ./dist", "ALLOW"),
    (USER, "rm -rf src", "ALLOW"),
    (USER, "find . -delete", "ALLOW"),
    (USER, "git clean -fdx", "ALLOW"),
    (USER, "chmod -R u+w ./dist", "ALLOW"),
    # asked or denied on base as well (a glob, the line as written, a rule that asks, some files)
    (PERMISSIVE, "cd / && rm -rf *", "DENY"),  # (`/*` names /proc, /sys: the glob meets their rule)
    (STRICT, "find / -exec chmod 777 {} +", "DENY"),
    (USER, "chmod -R 777 ~", "DENY"),
    (USER, "rm -rf /srv", "ASK"),
    (USER, "find /etc -name shadow -delete", "DENY"),  # (it lists `/etc/shadow` itself: `/etc/**/shadow`)
    (PERMISSIVE, "find / -name '*.log' -exec rm {} +", "ASK"),
]


def _name(case: tuple[object, str, str]) -> str:
    policy, command, expected = case
    names = {id(PERMISSIVE): "permissive", id(SOC2): "soc2", id(STRICT): "strict", id(USER): "user"}
    return f"{names[id(policy)]}:{command}:{expected}"


@pytest.mark.parametrize(
    ("policy", "command", "expected"), TIGHTENED + CONTROLS, ids=[_name(c) for c in TIGHTENED + CONTROLS]
)
def test_recursive_act_meets_rules_beneath(policy: object, command: str, expected: str) -> None:
    assert verdict(policy, command) == expected, command


def test_a_mode_no_rule_forbids_is_not_reached() -> None:
    """Base weighed ``chmod -R u+w ~`` against ``.*:…[2367]$`` without its mode: asked."""
    assert verdict(USER, "chmod -R u+w ~") == "ALLOW"
    assert verdict(USER, "chmod -R go-w ~") == "ALLOW"


def test_the_rule_that_decided_is_named() -> None:
    res = PERMISSIVE(event("Bash", {"command": "rm -rf /"}))
    assert res is not None and res["result"] == "DENY"
    assert res["metadata"]["pattern_id"] == "permissive_delete_system"
    assert "every file under `/`" in res["reason"]


def test_a_home_directory_under_permissive_is_deleted_with_a_warning() -> None:
    """``permissive``: "file_delete: allowed with warning; blocked for system files"."""
    for command in ("rm -rf ~/build", "find ~/build -delete", "rm -rf $HOME/build"):
        res = PERMISSIVE(event("Bash", {"command": command}))
        assert res is not None and res["result"] == "ALLOW" and res.get("warning"), command


def test_the_whole_home_under_permissive_is_asked_for_the_guard_in_it() -> None:
    """The home holds the agent's guard (``~/.claude/settings.json``, ``~/.goalrail``): asked."""
    for command in ("rm -rf ~", "find ~ -delete", "rm -rf $HOME"):
        res = PERMISSIVE(event("Bash", {"command": command}))
        assert res is not None and res["result"] == "ASK", command
        assert "permissive_guard_delete" in res["reason"], command


def test_a_rule_with_conditions_is_asked_not_applied() -> None:
    policy = pattern_policy(
        inline={
            "name": "cond",
            "default_action": "allow",
            "patterns": [
                {
                    "id": "etc_d",
                    "action_type": "file_delete",
                    "pattern": "^/etc/.*",
                    "action": "deny",
                    "conditions": {"time_range": {"start": "00:00", "end": "23:59"}},
                }
            ],
        }
    )
    assert verdict(policy, "rm -rf /") == "ASK"


@pytest.mark.parametrize(
    ("pattern", "directory", "tail", "expected"),
    [
        (r"^/(etc|usr)(/.*)?$", "/", ":777", True),
        (r".*:0?[0-7]?[0-7][2367]$", "~", ":777", True),
        (r".*:0?[0-7]?[0-7][2367]$", "~", ":u+w", False),
        (r".*:0?[0-7]?[0-7][2367]$", "/", ":0755", False),
        (r"^/etc/[^:]*:0?777$", "/", ":777", True),
        (r"^/etc/[^:]*:0?777$", "/", ":755", False),
        (r"^/etc/[^:]*:0?777$", "/usr", ":777", False),
        (r"^/etc/x$", "/", ":777", False),
        (r"^/etc/x(:.*)?$", "/", ":777", True),
    ],
)
def test_reaches_with_the_mode_after_the_name(pattern: str, directory: str, tail: str, expected: bool) -> None:
    """A file under the directory is ``DIR/NAME`` then ``:MODE``: the mode is matched too."""
    assert reaches(pattern, directory, tail) is expected
