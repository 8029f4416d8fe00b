"""The parts a secret glob is judged with (test_secret_globs.py has the verdicts): whether a glob's
own text pins a rule about a name (``_glob_names.name_meets``), a simple regex read as a glob and
what a listing program prints (``_shell_listers``)."""

from __future__ import annotations

import pytest

from goalrail.patterns.templates import PATH_SECRETS
from goalrail.policies.builtins._glob_names import name_meets
from goalrail.policies.builtins._shell_listers import listed, listed_output, regex_glob


@pytest.mark.parametrize(
    ("glob", "met"),
    [
        ("~/.aws/cred*", True),
        ("~/.aws/*", True),
        ("/**/.aws/**", True),
        ("/home/dev/app/.env*", True),
        ("/home/dev/app/*.pem", True),
        ("~/.git-credential*", True),
        ("/home/*/.ssh/id_rsa", True),
        ("/home/dev/app/*.json", False),
        ("/home/dev/app/src/*.py", False),
        ("/home/dev/app/*/config.json", False),
        ("~/.aws/config*", False),
        ("/home/dev/app/*", False),
    ],
)
def test_name_meets_wants_the_globs_own_text_to_pin_the_secret(glob: str, met: bool) -> None:
    assert name_meets(PATH_SECRETS, glob) is met


@pytest.mark.parametrize(
    ("regex", "anywhere", "glob"),
    [
        (".*credentials", False, "**credentials"),
        (".*\\.pem$", False, "**.pem"),
        ("^/home/.+/id_rsa$", True, "/home/?**/id_rsa"),
        ("cred", True, "**cred**"),
        ("(a|b)", False, None),
    ],
)
def test_simple_regexes_read_as_globs(regex: str, anywhere: bool, glob: str | None) -> None:
    assert regex_glob(regex, anywhere) == glob


def test_a_program_that_lists_nothing_is_no_listing() -> None:
    assert listed([("cat", False), ("x", False)]) is None
    assert listed([("rg", False), ("key", False), ("src", False)]) is None  # (a search printing lines)
    assert listed([("find", False), ("~/.aws", False), ("-name", False), ("cred*", False)]) == (
        ("~/.aws/cred*", "~/.aws/**/cred*"),
        False,
    )


def test_a_substitution_of_a_listing_stands_for_its_globs() -> None:
    assert listed_output("$(find ~/.aws -type f)") == (("~/.aws/**",), False)
    assert listed_output("`ls ~/.aws/*`") == (("~/.aws/*",), True)
    assert listed_output("$(git ls-files)") is None
    assert listed_output("x$(find .)") is None
