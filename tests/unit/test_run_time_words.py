"""A command's words known only at run time, tried against the deny rules that name its program
(``_pattern_commands._open_ended``): each literal word of a rule stands for what the shell fills
in, in place of the shell's own directory variables (``$PWD``, ``$HOME``: a path that does not
split into words), else for the whole word.  ``docker run -v $PWD/out:/out alpine`` cannot start a
tunnel agent's image (its volume word is ``…/out:/out`` whatever the directory), while
``docker run "$IMG"`` or an unquoted ``$REG/x`` can."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._pattern_commands import _filled
from tests.unit.shell_support import PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "permissive": PERMISSIVE}


@pytest.mark.parametrize(
    "word, filled",
    [
        ("$PWD/out:/out", "ngrok/out:/out"),
        ("${HOME}/.cache:/c", "ngrok/.cache:/c"),
        ("$PWD", "ngrok"),
        ("${OLDPWD}:/old", "ngrok:/old"),
        ("$R/x", "ngrok"),  # any other variable: may split into words
        ("$IMG", "ngrok"),
        ("$ARGS/x", "ngrok"),  # unquoted: may split into words
        ("a$(b)c", "ngrok"),  # a command substitution: any words
        ("`b`/x", "ngrok"),
        ("$HOME/$X", "ngrok"),
        ("$PWD/$(id -u)", "ngrok"),
    ],
)
def test_a_word_is_filled_where_it_is_known_only_at_run_time(word: str, filled: str) -> None:
    assert _filled(word, "ngrok") == filled


@pytest.mark.parametrize(
    "line",
    [
        'docker run -d "$IMG" http 80',
        "docker run -d $IMAGE http 80",
        'docker run -d "$REG/ngrok" http 80',
        "docker run -d $REG/ngrok http 80",
        "podman run -d $(cat image.txt) http 80",
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_an_image_known_only_at_run_time_may_be_a_tunnel_agent(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) in ("ASK", "DENY")


@pytest.mark.parametrize(
    "line",
    [
        "docker run --rm -v $PWD/out:/out alpine ls /out",
        'docker run --rm -v "$PWD":/src -w /src golang go build ./...',
        "docker run --rm -v $PWD:/work alpine ls /work",
        "docker run --rm -v ${PWD}/data:/data:ro postgres:16 true",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "permissive"])
def test_a_volume_in_the_working_directory_is_no_image(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"
