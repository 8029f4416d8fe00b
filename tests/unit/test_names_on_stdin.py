"""Archivers read the names of the files they archive from stdin, as ``xargs`` does: ``find ~/.ssh |
cpio -o``, ``cpio -o <<< ~/.ssh/id_rsa``, ``tar -cf x -T - <<< F``, ``echo F | zip -@ x.zip`` read
what they are fed, as ``echo F | xargs cat`` does.  And git stores or prints a file it is handed:
``git hash-object -w F``, ``git update-index --add F``, ``git add -f F`` (``-f`` forces, it takes no
value), ``git config -f F --list``.  Each was allowed by every template."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}
SECRET_READS = [
    "find ~/.ssh | cpio -o > /tmp/x.cpio",
    "find ~/.aws -name credentials | cpio -ov -H newc > /tmp/x",
    "echo ~/.ssh/id_rsa | cpio -o",
    "ls ~/.ssh/id_rsa | cpio --create > /tmp/x",
    "cpio -o <<< ~/.ssh/id_rsa",
    "echo /home/dev/.ssh/id_rsa | cpio -pdm /tmp/out",
    "tar -cf /tmp/x.tar -T - <<< ~/.ssh/id_rsa",
    "tar -czf - --files-from=/dev/stdin <<< /home/dev/.ssh/id_rsa",
    "printf '%s\\n' ~/.ssh/id_rsa | tar -cf /tmp/x -T -",
    "find ~/.ssh -type f | tar --files-from - -cf /tmp/x",
    "echo ~/.ssh/id_rsa | zip -@ /tmp/x.zip",
    "find ~/.aws | zip /tmp/x.zip --names-stdin",
    "git hash-object -w ~/.ssh/id_rsa",
    "git hash-object -t blob -w /home/dev/.aws/credentials",
    "git update-index --add ~/.ssh/id_rsa",
    "git add -f ~/.ssh/id_rsa",
    "git add -f .env",
    "git config -f ~/.git-credentials --list",
    "git config --file=/home/dev/.git-credentials --get-regexp .",
]


@pytest.mark.parametrize("line", SECRET_READS)
@pytest.mark.parametrize("name", POLICIES)
def test_a_secret_named_this_way_is_read(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == verdict(POLICIES[name], "cat ~/.ssh/id_rsa")


@pytest.mark.parametrize(
    "line",
    [
        "find . -name '*.py' | cpio -o > /tmp/src.cpio",
        "git ls-files | tar -cf /tmp/src.tar -T -",
        "find src -type f | zip -@ /tmp/src.zip",
        "cpio -idmv < /tmp/x.cpio",
        "git hash-object src/app.py",
        "git add -f build/keep.txt",
        "git add -n src",
        "git config -f .gitmodules --get-regexp path",
        "tar -cf /tmp/x.tar -T files.txt",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_archiving_the_project_stays_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"


@pytest.mark.parametrize("name", POLICIES)
def test_git_config_setting_a_key_in_a_start_up_file_is_a_write_of_it(name: str) -> None:
    line = "git config -f ~/.bashrc user.name x"
    assert verdict(POLICIES[name], line) == verdict(POLICIES[name], "echo x >> ~/.bashrc")


def test_an_output_redirect_is_no_name_fed() -> None:
    """(``cpio -o > F`` writes the archive to ``F``; only a here-string or here-document feeds names)"""
    from goalrail.policies.builtins._shell_file_effects import file_effects

    effects = file_effects("cpio -o > /home/dev/.ssh/backup.cpio")
    assert ("file_read", "/home/dev/.ssh/backup.cpio") not in {(k, p) for k, p, _s, _x in effects}
    assert ("file_write", "/home/dev/.ssh/backup.cpio") in {(k, p) for k, p, _s, _x in effects}
    fed = file_effects("cpio -o <<< /home/dev/.ssh/id_rsa")
    assert ("file_read", "/home/dev/.ssh/id_rsa") in {(k, p) for k, p, _s, _x in fed}
