"""Programs whose first operand is a program text, not a file (``jq``, ``yq``: the filter), and
in-place editors the file tables did not know (``yq -i``, ``sd``, ``crudini --set``,
``xmlstarlet ed -L``): ``_shell_file_filters``.

A filter that spells ``.env`` is no read of a file ``.env`` (``jq -r '.env.NODE_ENV'
config.json`` was denied as a secret read); every file jq really reads still meets the file rules
(input files, ``--rawfile``/``--slurpfile``, a filter's own file, whose text jq's errors print);
and an editor rewriting a file in place writes it (``yq -i '.hooks = {}' ~/.claude/settings.json``
was allowed by every template).
"""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._shell_file_effects import file_effects
from tests.unit.shell_support import PERMISSIVE, SOC2, STRICT, verdict

#: a filter naming `.env` (or a secret-looking key): the input file alone is read
FILTERS_ONLY = [
    ("jq -r '.env.NODE_ENV' config.json", ["config.json"]),
    ("jq .env package.json", ["package.json"]),
    ("yq .env docker-compose.yml", ["docker-compose.yml"]),
    ("gojq '.credentials' app.json", ["app.json"]),
    ("jaq .env.secrets x.json", ["x.json"]),
    ("yq e '.env' x.yaml", ["x.yaml"]),
    ("jq --arg name .env '.[$name]' data.json", ["data.json"]),
    ("jq --indent 4 .env data.json", ["data.json"]),
    ("jq -n '$ARGS' --args .env ~/.ssh/id_rsa", []),
    ("cat x.json | jq .env", ["x.json"]),
]

#: reads jq or yq really make of a secret: denied as `cat` of it is under strict and soc2
SECRET_READS = [
    "jq . .env",
    "jq . ~/.aws/credentials",
    "jq -r .token ~/.config/gh/hosts.yml",
    "yq .token ~/.config/gh/hosts.yml",
    "gojq .a .env",
    "jq -f ~/.aws/credentials x.json",
    "jq -rf ~/.aws/credentials",
    "jq --from-file ~/.aws/credentials",
    "jq -n --rawfile k ~/.ssh/id_rsa '$k'",
    "jq -n --slurpfile k ~/.aws/credentials '$k'",
    "jq -f ~/.ssh/id_rsa --args a b",
    "jq -r .a -- .env",
    "crudini --get ~/.aws/credentials default aws_secret_access_key",
]

#: in-place rewrites: written as `echo x > F` is
WRITES = [
    ("yq -i '.hooks = {}' /home/dev/.claude/settings.json", "/home/dev/.claude/settings.json"),
    ("yq -i '.hooks = {}' .claude/settings.json", ".claude/settings.json"),
    ("yq --inplace '.hooks = {}' ~/.claude/settings.json", "~/.claude/settings.json"),
    ("yq --in-place -y '.hooks = {}' ~/.claude/settings.json", "~/.claude/settings.json"),
    ("yq -yi '.hooks = {}' ~/.claude/settings.json", "~/.claude/settings.json"),
    ("yq eval -i '.a = 1' /etc/passwd", "/etc/passwd"),
    ("sd '\"hooks\"' '\"x\"' ~/.claude/settings.json", "~/.claude/settings.json"),
    ("sd -F -n 1 hooks x ~/.claude/settings.json", "~/.claude/settings.json"),
    ("crudini --set ~/.claude/settings.json a b c", "~/.claude/settings.json"),
    ("xmlstarlet ed -L -u /a -v x ~/.claude/settings.json", "~/.claude/settings.json"),
    ("gawk -i inplace '{print}' ~/.claude/settings.json", "~/.claude/settings.json"),
    ("awk -iinplace '{print}' ~/.claude/settings.json", "~/.claude/settings.json"),
    ("gawk --include=inplace '{print}' ~/.claude/settings.json", "~/.claude/settings.json"),
    ("json -I -f ~/.claude/settings.json -e 'this.hooks={}'", "~/.claude/settings.json"),
    ("dasel put -f ~/.claude/settings.json -t string -v x '.hooks'", "~/.claude/settings.json"),
    ("dasel put -f x.json -o ~/.claude/settings.json -v x '.a'", "~/.claude/settings.json"),
]


@pytest.mark.parametrize(("line", "reads"), FILTERS_ONLY)
def test_a_filter_is_no_file(line: str, reads: list[str]) -> None:
    assert [p for kind, p, *_ in file_effects(line) if kind == "file_read"] == reads
    assert verdict(STRICT, line) == "ALLOW", line


@pytest.mark.parametrize("line", SECRET_READS)
def test_every_file_jq_reads_meets_the_secret_rules(line: str) -> None:
    assert verdict(STRICT, line) == "DENY", line
    assert verdict(SOC2, line) == "DENY", line


@pytest.mark.parametrize(("line", "path"), WRITES)
def test_an_in_place_rewrite_is_a_write(line: str, path: str) -> None:
    assert ("file_write", path) in [e[:2] for e in file_effects(line)], line
    if ".claude" in line:  # the agent's guard: as `echo {} > ~/.claude/settings.json`
        assert verdict(STRICT, line) == "DENY" and verdict(SOC2, line) == "DENY", line
        assert verdict(PERMISSIVE, line) in ("ASK", "DENY"), line


@pytest.mark.parametrize(
    "line",
    [
        "jq . package.json",
        "jq -r '.scripts' package.json",
        "yq '.services' docker-compose.yml",
        "yq -o json . x.yaml",
        "sd -p foo bar src/x.py",
        "crudini --get setup.cfg metadata name",
        "xmlstarlet sel -t -v /a pom.xml",
        "jq -n '{a: 1}'",
        "gawk '{print $1}' data.txt",
        "gawk -i ./lib.awk '{print}' data.txt",
        "json -f package.json version",
        "dasel -f package.json '.version'",
    ],
)
def test_controls_stay_allowed(line: str) -> None:
    assert verdict(STRICT, line) == "ALLOW", line
    assert verdict(PERMISSIVE, line) == "ALLOW", line


@pytest.mark.parametrize("policy", [STRICT, SOC2, PERMISSIVE])
def test_sd_in_the_workspace_is_judged_as_sed_i(policy: object) -> None:
    assert verdict(policy, "sd foo bar src/x.py") == verdict(policy, "sed -i s/foo/bar/ src/x.py")


def test_the_preview_writes_nothing() -> None:
    assert [e[0] for e in file_effects("sd -p foo bar ~/.bashrc")] == ["file_read"]
    assert [e[0] for e in file_effects("yq '.a' ~/.bashrc")] == ["file_read"]
    assert "file_write" not in [e[0] for e in file_effects("gawk -i ./lib.awk '{print}' ~/.bashrc")]
    assert ("file_read", "./lib.awk") in [e[:2] for e in file_effects("gawk -i ./lib.awk '{print}' x")]
    assert "file_write" not in [e[0] for e in file_effects("dasel -f ~/.bashrc '.a'")]


#: `python -m MODULE`: the standard library's command-line tools that write, judged as their twins
MODULE_TWINS = [
    ("python3 -m json.tool x.json ~/.claude/settings.json", "cp x.json ~/.claude/settings.json"),
    ("python3 -Im json.tool x.json ~/.claude/settings.json", "cp x.json ~/.claude/settings.json"),
    ("python3 -m json.tool --indent 2 x.json ~/.claude/settings.json", "cp x.json ~/.claude/settings.json"),
    ("python3 -m tarfile --filter data -e x.tar ~/.claude", "unzip x.tar -d ~/.claude"),
    ("python -m zipfile -e evil.zip ~/.claude/", "unzip evil.zip -d ~/.claude/"),
    ("python -m zipfile --extract evil.zip ~/.claude/", "unzip evil.zip -d ~/.claude/"),
    ("python3 -m tarfile -e x.tar ~/.claude", "unzip x.tar -d ~/.claude"),
    ("python -m tarfile -e x.tar", "tar -xf x.tar"),
    ("python -m zipfile -e x.zip out/", "unzip x.zip -d out/"),
    ("python3 -m zipfile -c ~/.claude/settings.json a", "zip ~/.claude/settings.json a"),
]


@pytest.mark.parametrize(("line", "twin"), MODULE_TWINS)
@pytest.mark.parametrize("policy", [STRICT, SOC2, PERMISSIVE])
def test_a_module_writing_files_is_judged_as_its_twin(line: str, twin: str, policy: object) -> None:
    assert verdict(policy, line) == verdict(policy, twin), (line, twin)


def test_module_writes() -> None:
    assert ("file_write", "settings.json") in [e[:2] for e in file_effects("python3 -m gzip -d settings.json.gz")]
    assert ("file_write", "a.txt.gz") in [e[:2] for e in file_effects("python3 -m gzip a.txt")]
    assert verdict(STRICT, "python3 -m json.tool x.json ~/.claude/settings.json") == "DENY"


@pytest.mark.parametrize(
    "line",
    ["python3 -m json.tool x.json", "python3 -m zipfile -l x.zip", "python -m tarfile -l x.tar", "python -m pytest"],
)
def test_module_controls(line: str) -> None:
    assert "file_write" not in [e[0] for e in file_effects(line)]
    assert verdict(STRICT, line) == "ALLOW", line
