"""A directory moved leaves its place with every file beneath it: ``mv ~ /tmp/x`` moves the agent's
guard (``~/.claude/settings.json``, ``~/.codex/config.toml``…) out of where the harness reads it,
as ``rm -rf ~`` deletes it.  It was allowed by ``soc2_compliant``, ``hipaa_standard`` and
``permissive``; moving ``~/.claude`` or ``~/.config`` already met the guard."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, event, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}


@pytest.mark.parametrize(
    "line",
    [
        "mv ~ /tmp/x",
        "mv ~/ /tmp/x",
        "mv $HOME /tmp/x",
        "mv ${HOME} /tmp/h",
        "mv /home/dev /tmp/x",
        "mv /home/dev/ /tmp/x",
        "mv /home /srv/old-home",
        "mv -t /tmp ~",
        "mv --target-directory=/tmp $HOME",
        "sudo mv /home/dev /tmp/x",
        "cd / && mv home /tmp/x",
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_moving_a_home_moves_the_guard(name: str, line: str) -> None:
    expected = "ASK" if name == "permissive" else "DENY"
    if line.startswith("sudo") and name == "permissive":
        expected = "DENY"  # (its privilege rule)
    assert verdict(POLICIES[name], line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "mv build dist",
        "mv src/a.py src/b.py",
        "mv README.md docs/",
        "mv node_modules /tmp/nm",
        "mv ~/Downloads/x.tar.gz .",
        "mv ~/project/old ~/project/new",
        "mv /tmp/out ./out",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_moving_a_project_directory_stays_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("mcp__filesystem__move_file", {"source": "/home/dev", "destination": "/tmp/x"}),
        ("mcp__filesystem__move_file", {"source": "/home/dev/", "destination": "/srv/old"}),
        ("mcp__filesystem__move_file", {"source": "/home", "destination": "/tmp/x"}),
        ("mcp__desktop-commander__move_file", {"source": "~", "destination": "/tmp/x"}),
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_a_move_tool_moving_a_home_moves_the_guard(name: str, tool: str, arguments: dict[str, str]) -> None:
    res = POLICIES[name](event(tool, arguments))
    assert res is not None and res["result"] == ("ASK" if name == "permissive" else "DENY")


@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_a_move_tool_moving_a_project_directory_stays_allowed(name: str) -> None:
    res = POLICIES[name](
        event("mcp__filesystem__move_file", {"source": "/home/dev/app/build", "destination": "/home/dev/app/dist"})
    )
    assert res is None or res["result"] == "ALLOW"  # (`permissive` records a delete)


@pytest.mark.parametrize(
    "line",
    [
        "cp -l ~/.claude/settings.json /tmp/s",
        "cp --link ~/.claude/settings.json /tmp/s",
        "cp -s /home/dev/.claude/settings.json /tmp/s",
        "cp --symbolic-link ~/.claude/settings.json /tmp/s",
        "cp -al ~/.claude /tmp/x",
        "cp -rs ~/.claude /tmp/x",
        "mkfifo ~/.claude/settings.json",
        "mkfifo -m 600 /home/dev/.claude/settings.json",
        "mknod ~/.claude/settings.json p",
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_a_link_copied_or_a_special_file_made_is_a_write_as_ln_is(name: str, line: str) -> None:
    """(``cp -l|-s`` make links, as ``ln`` does: a later write through the link writes the guard;
    ``mkfifo``/``mknod`` make a file where the guard's was)"""
    assert verdict(POLICIES[name], line) == verdict(POLICIES[name], "ln -s ~/.claude/settings.json /tmp/s")


@pytest.mark.parametrize("line", ["cp -a src /tmp/x", "mkfifo /tmp/f", "cp -l src/a.py /tmp/a.py"])
@pytest.mark.parametrize("name", ["soc2", "permissive"])
def test_links_and_pipes_of_the_project_stay_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"
