"""A path spelled with a glob, or printed by a substitution the line spells, meets the server's
own-files guard (and the templates' rules about a place) as the path it may name
(``_glob_rules``, ``_pattern_globs``, ``_shell_outputs``)."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._glob_rules import glob_meets
from goalrail.policies.builtins._shell_outputs import output, substituted
from tests.unit.shell_support import PERMISSIVE, SOC2, STRICT, tool_verdict, verdict
from tests.unit.test_own_files_guard import GUARD

DENIED = [
    # a glob naming a protected path, or a directory above one (delete, move, mode change)
    "rm -rf /srv/goal*",
    "rm -rf /srv/*",
    "rm -rf /s*/goalrail",
    "rm -rf /srv/[g]oalrail",
    "rm -rf /srv/goalrail/polic?es",
    "rm -rf /srv/**",
    "rm -rf /*",
    "rm -rf /srv/@(goalrail|www)",
    "rm -rf /srv/goalrail/!(README)",
    "shopt -s extglob; rm -rf /srv/goalrail/+(p)olicies",
    "shopt -s extglob\ncat /var/lib/goalrail/goalrail.@(db|x)",
    "rm -rf /srv/goalrai[!x]",
    "rm -rf /home/dev/.goal*",
    "rm -rf ~/.[g]*",
    "rm -rf ~/*",  # (`shopt -s dotglob` makes `*` name `~/.goalrail`)
    "rm -f /var/lib/goalrail/goalrail.db*",
    "rm -rf ../../../srv/goal*",
    "cd /srv && rm -rf goal*",
    "cd /srv/goalrail && rm -rf *",
    "mv /srv/goal* /tmp/",
    "chmod 000 /srv/goal*",
    "chmod -R 777 /s?v",
    "find /srv/goal* -delete",
    "rm -rf ${HOME}/.goal*",
    'rm -rf "$HOME"/.goal*',
    'bash -c "rm -rf /srv/goal*"',
    "sudo rm -rf /srv/goal*",
    "rsync -a --delete /tmp/empty/ /srv/goal*/",
    # writes into a protected directory through a glob
    "echo x > /srv/goal*/policies/a.yaml",
    "cp /tmp/x /srv/goalrail/polic*/",
    "sed -i s/deny/allow/ /srv/goalrail/policies/*.yaml",
    "tee /srv/goalrail/config.y*ml < /tmp/x",
    "install x /srv/goalrail/polic*/a.yaml",
    "ln -sf /tmp/evil /srv/goalrail/conf*.yaml",
    # reads of a secret through a glob
    "cat /srv/goalrail/console-*",
    "cat /var/lib/goalrail/*.db",
    "cat /var/lib/goalrail/goalrail.db-[wW]al",
    "cat /var/lib/goalrail/*",
    "sqlite3 /var/lib/goal*/goalrail.db .dump",
    # a substitution whose output the line spells
    'rm -rf "$(echo /srv/goalrail)"',
    "rm -rf `echo /srv/goalrail`",
    "rm -rf $(printf %s /srv/goalrail)",
    "rm -rf \"$(printf '%s\\n' /srv/goalrail)\"",
    'rm -rf "$(realpath /srv/goalrail/)"',
    'rm -rf "$(readlink -f /srv/goalrail)"',
    'rm -rf "$(dirname /srv/goalrail/config.yaml)"',
    'rm -rf "$(dirname $(realpath /srv/goalrail/config.yaml))"',
    'echo x > "$(echo /srv/goalrail/policies)/a.yaml"',
    "cat $(echo /srv/goalrail/console-token)",
    "rm -rf $(echo /srv/goal*)",
    'rm -rf "$(echo /srv)/goalrail"',
    "rm -rf $(echo ~/.goalrail)",
    'x=$(echo /srv/goalrail); rm -rf "$x"',
    "x=`dirname /srv/goalrail/policies/a`; rm -rf $x",
]

ALLOWED = [
    "rm -rf build/*",
    "rm -rf /tmp/*",
    "rm -rf *",
    "cd /tmp && rm -rf *",
    "rm -rf /srv/other*",
    "rm -rf /srv/?ther",
    "cd /srv && rm -rf other*",
    "cat /srv/goalrail/README*",  # (no README is protected; reading is judged for secrets only)
    "ls /srv/*",
    "cat /srv/goalrail/policies/*.yaml",  # (the admin's policies are no secret)
    "cat /srv/goalrail/*.yaml",
    "cp /srv/goalrail/policies/*.yaml /tmp/",
    "grep -n x /srv/goalrail/*.md",
    "rm -rf /var/lib/other/*.db",
    'rm -rf "$(echo /tmp/x)"',
    "rm -rf $(dirname /tmp/x/y)",
    # known only at run time: left to the session's own rules (``named_only``)
    'rm -rf "$(cmd)"',
    "rm -rf $(readlink /srv/link)",
    'rm -rf "$(echo $D)"',
]


@pytest.mark.parametrize("command", DENIED)
def test_a_glob_or_spelled_substitution_naming_the_servers_files_is_denied(command: str) -> None:
    assert verdict(GUARD, command) == "DENY", command


@pytest.mark.parametrize("command", ALLOWED)
def test_a_glob_that_cannot_name_them_is_left_alone(command: str) -> None:
    assert verdict(GUARD, command) == "ALLOW", command


def test_a_run_time_substitution_keeps_the_session_rules_verdict() -> None:
    """``$(cmd)`` is no worse than before: still asked where a session's rule forbids deletes."""
    assert verdict(SOC2, 'rm -rf "$(cmd)"') == "ASK"
    assert verdict(PERMISSIVE, 'rm -rf "$(cmd)"') == "ASK"


TOOLS_DENIED = [
    ("Glob", {"pattern": "/var/lib/goalrail/*.db"}),
    ("Glob", {"pattern": "*.db", "path": "/var/lib/goalrail"}),
    ("Grep", {"pattern": "x", "glob": "*.db", "path": "/var/lib/goalrail"}),
    ("Read", {"file_path": "/srv/goalrail/console-*"}),
]


@pytest.mark.parametrize(("tool", "args"), TOOLS_DENIED)
def test_a_file_tools_glob_naming_a_secret_is_denied(tool: str, args: dict[str, str]) -> None:
    assert tool_verdict(GUARD, tool, args) == "DENY"


@pytest.mark.parametrize(
    ("tool", "args"),
    [("Glob", {"pattern": "**/*.py"}), ("Glob", {"pattern": "*.yaml", "path": "/srv/goalrail/policies"})],
)
def test_a_file_tools_glob_elsewhere_is_allowed(tool: str, args: dict[str, str]) -> None:
    assert tool_verdict(GUARD, tool, args) == "ALLOW"


#: the templates' rules about a place meet a glob the same way (a narrow glob was judged as written)
TEMPLATE_DENIED = [
    (STRICT, "cat /*/shadow"),
    (PERMISSIVE, "cat /*/shadow"),
    (SOC2, "echo x > /*/sudoers"),
    (PERMISSIVE, "echo x > /*/sudoers"),
    (STRICT, "echo x > /*/sudoers"),
    (SOC2, "cp x /*/cron.d/"),
    (PERMISSIVE, "rm -rf /s*/goalrail"),
]


@pytest.mark.parametrize(("policy", "command"), TEMPLATE_DENIED)
def test_a_templates_place_rule_meets_a_glob(policy: object, command: str) -> None:
    assert verdict(policy, command) == "DENY", command


@pytest.mark.parametrize("tool", ["Read", "Glob"])
def test_a_templates_place_rule_meets_a_tools_glob(tool: str) -> None:
    key = "file_path" if tool == "Read" else "pattern"
    assert tool_verdict(STRICT, tool, {key: "/*/shadow"}) == "DENY"


#: ``**/`` may stand for no directory at all (zsh, bash's ``globstar``): the guarded file itself
GLOBSTAR_DENIED = [
    "cp /tmp/e.json ~/.claude/**/settings.json",
    "echo '{}' > ~/.claude/**/settings.json",
    "tee ~/.claude/**/settings.local.json < /tmp/e.json",
    "cat ~/.ssh/**/id_rsa",
    "cat ~/.aws/**/credentials",
]


@pytest.mark.parametrize("command", GLOBSTAR_DENIED)
@pytest.mark.parametrize("policy", [STRICT, SOC2], ids=["strict", "soc2"])
def test_a_globstar_may_name_the_file_itself(policy: object, command: str) -> None:
    assert verdict(policy, command) == "DENY", command


@pytest.mark.parametrize(
    "command",
    ["cat src/*.py", "cat *.json", "grep -n TODO src/*.py", "cat /usr/share/dict/*.txt", "wc -l src/**/*.py"],
)
def test_templates_leave_ordinary_globs_alone(command: str) -> None:
    assert verdict(STRICT, command) == "ALLOW", command
    assert verdict(SOC2, command) == "ALLOW", command


@pytest.mark.parametrize(
    ("pattern", "glob", "met"),
    [
        (r"^/srv/goalrail$", "/*", False),  # `*` does not cross `/`
        (r"^/srv/goalrail$", "/**", True),  # `**` does
        (r"^/srv/goalrail$", "/srv/goal*", True),
        (r"^/srv/goalrail$", "/srv/goal\\*", False),  # an escaped `*` is itself
        (r"^~/\.goalrail$", "~/*", True),  # a wildcard may match a leading `.` (dotglob)
        (r"^/srv/goalrail$", "/srv/[!g]oalrail", False),
        (r"^/srv/goalrail$", "/srv/[a-h]oalrail", True),
        (r"^/srv/goalrail$", "/srv/[[:alpha:]]oalrail", True),
        (r"(?i)^/srv/goalrail$", "/SRV/GOAL*", True),
        (r"^/etc/shadow$", "/etc/shadow*.bak", False),
        (r"^/srv/goalrail(/.*)?$", "/srv/x/*", False),
        (r"^/srv/goalrail/a\.yaml$", "/srv/goalrail/**/a.yaml", True),  # `**/` may be no directory
        (r"^/srv/goalrail/a\.yaml$", "/srv/**/a.yaml", True),
        (r"^/srv/goalrail/a\.yaml$", "/srv/goalrail/*/a.yaml", False),  # `*/` is one directory
        (r"^/srv/goalrail/a\.yaml$", "/srv/goalrail/x**/a.yaml", False),  # `x**` is no globstar
    ],
)
def test_glob_meets(pattern: str, glob: str, met: bool) -> None:
    assert glob_meets(pattern, glob) is met


def test_glob_meets_beneath_a_directory_glob() -> None:
    assert glob_meets(r"^/srv/goalrail/policies/a\.yaml$", "/srv/goal*/", under=True)
    assert not glob_meets(r"^/srv/goalrail/policies/a\.yaml$", "/srv/goal*/")


@pytest.mark.parametrize(
    ("command", "printed"),
    [
        ("echo /x", "/x"),
        ("echo -n /x", "/x"),
        ("printf %s /x", "/x"),
        ("printf /x", "/x"),
        ("realpath -m /x/../y", "/y"),
        ("readlink -f /x", "/x"),
        ("readlink /x", None),
        ("dirname /x/y", "/x"),
        ("basename /x/y.yaml .yaml", "y"),
        ("echo a b", None),  # (split into words by the shell)
        ("echo -e /x\\\\y", None),
        ("cat /x", None),
        ("echo /x; rm y", None),
    ],
)
def test_output_of_a_spelled_substitution(command: str, printed: str | None) -> None:
    assert output(command) == printed


def test_substituted_innermost_first() -> None:
    assert substituted("$(dirname $(realpath /a/b/c))/d") == "/a/b/d"
    assert substituted("$(cmd)/x") == "$(cmd)/x"


@pytest.mark.parametrize("path", ["/var/lib/goal*", "/var/li?", "/var/lib/[g]oalrail", "/v*/lib/goalrail/"])
def test_a_search_tools_glob_directory_above_a_secret_is_asked(path: str) -> None:
    """`Grep {path: /var/lib/goal*}` searches every file of each directory the glob names, as
    `grep -r x /var/lib/goal*` does: asked where a spelled-out `/var/lib/goalrail` is."""
    args = {"pattern": "x", "path": path}
    assert tool_verdict(GUARD, "Grep", args) == "ASK", path
    assert verdict(GUARD, f"grep -r x {path}") == "ASK", path


@pytest.mark.parametrize(
    "args", [{"pattern": "x", "path": "/srv/other*"}, {"pattern": "x", "path": "/var/lib/goalrail", "glob": "*.py"}]
)
def test_a_search_glob_naming_no_secret_stays_allowed(args: dict[str, str]) -> None:
    assert tool_verdict(GUARD, "Grep", args) == "ALLOW", args
