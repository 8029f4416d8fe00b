"""Secret environment variables read through interpreters the analysis did not know.

``printenv AWS_SECRET_ACCESS_KEY`` and ``python -c '…os.environ["AWS_SECRET_ACCESS_KEY"]…'`` were
denied under ``strict``, while ``lua -e 'print(os.getenv("AWS_SECRET_ACCESS_KEY"))'``, ``Rscript
-e 'Sys.getenv(…)'``, ``julia -e 'println(ENV[…])'``, an ``awk`` program's ``ENVIRON[…]``, a ``jq``
filter's ``env.X``, ``echo 'puts $env(X)' | tclsh`` and a dozen more spellings were allowed: only
Python, JavaScript, Perl, Ruby and PHP code was read (``_shell_env``).  Now the code every
interpreter is given (``-e``/``-c``/``--eval``/``-E``, stdin, a here-document, a file written earlier
in the session) is read for its language's environment API (``_env_code``), and its names meet the
same ``env_read`` rules Python's do: each read gets the verdict the Python spelling gets under each
template, a read of the whole environment the verdict ``dict(os.environ)`` gets.  Controls: reads
of ordinary variables and code that reads none stay allowed.
"""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.policies.builtins._shell_env import EVERY, env_effects
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, event, verdict
from tests.unit.written_support import run_after, write

S = "AWS_SECRET_ACCESS_KEY"
TEMPLATES: dict[str, tuple[Any, dict[str, Any]]] = {
    "strict": (STRICT, {"policy": "strict"}),
    "soc2": (SOC2, {"policy": "soc2_compliant"}),
    "hipaa": (HIPAA, {"policy": "hipaa_standard"}),
    "permissive": (PERMISSIVE, {"policy": "permissive"}),
}
PY_READ = f"""python3 -c 'import os; print(os.environ["{S}"])'"""
PY_DUMP = """python3 -c 'import os; print(dict(os.environ))'"""
_RANK = {"ALLOW": 0, "ASK": 1, "DENY": 2}


def at_least(line: str, checker: Any, python: str) -> bool:
    """Whether ``line`` is stopped at least as firmly as the Python spelling ``python`` (a language
    whose code is not read otherwise is asked about anyway: ``racket -e`` under ``permissive``)."""
    return _RANK[verdict(checker, line)] >= _RANK[verdict(checker, python)]


#: one secret-named variable read by its name, one language or spelling per line
NAMED = [
    f"""lua -e 'print(os.getenv("{S}"))'""",
    f"""luajit -e 'print(os.getenv "{S}")'""",
    f"""echo 'print(os.getenv("{S}"))' | lua -""",
    f"""lua -e 'print(os.getenv[[{S}]])'""",
    f"""lua - <<'EOF'\nprint(os.getenv("{S}"))\nEOF""",
    f"""Rscript -e 'Sys.getenv("{S}")'""",
    f"""R -e 'cat(Sys.getenv("{S}"))'""",
    f"""julia -e 'println(ENV["{S}"])'""",
    f"""julia --eval 'println(get(ENV, "{S}", ""))'""",
    f"""julia -E 'ENV["{S}"]'""",
    f"""ruby -e 'puts ENV.fetch("{S}")'""",
    f"""php -r 'echo $_SERVER["{S}"];'""",
    f"""php -r 'echo getenv("{S}");'""",
    f"""echo 'puts $env({S})' | tclsh""",
    f"""tclsh <<'EOF'\nputs $::env({S})\nEOF""",
    f"""echo 'puts [set ::env({S})]' | tclsh""",
    f"""awk 'BEGIN {{ print ENVIRON["{S}"] }}'""",
    f"""gawk -e 'BEGIN {{ print ENVIRON["{S}"] }}'""",
    f"""jq -n 'env.{S}'""",
    f"""jq -rn '$ENV.{S}'""",
    f"""jq -n --arg x 1 'env["{S}"]'""",
    f"""yq -n '.k = strenv({S})'""",
    f"""yq eval -n '.k = env({S})'""",
    f"""deno eval 'console.log(Deno.env.get("{S}"))'""",
    f"""node -e 'console.log(process["env"].{S})'""",
    f"""node -p 'process.env?.{S}'""",
    f"""echo 'System.out.println(System.getenv("{S}"))' | jshell -""",
    f"""elixir -e 'IO.puts System.get_env("{S}")'""",
    f"""erl -noshell -eval 'io:format(os:getenv("{S}")), halt().'""",
    f"""racket -e '(displayln (getenv "{S}"))'""",
    f"""guile -c '(display (getenv "{S}"))'""",
    f"""clojure -e '(System/getenv "{S}")'""",
    f"""scala -e 'println(sys.env("{S}"))'""",
    f"""raku -e 'say %*ENV<{S}>'""",
    f"""python3 -c 'import os; print(os.getenvb(b"{S}"))'""",
    f"""pwsh -c '[Environment]::GetEnvironmentVariable("{S}")'""",
    f"fish -c 'echo ${S}'",
    f"tcsh -c 'echo ${S}'",
    f"nu -c 'print $env.{S}'",
    f"envsubst <<< '${S}'",
    f"echo 'key=${{{S}}}' | envsubst",
    f"""osascript -e 'system attribute "{S}"'""",
    f"tmux show-environment {S}",
    f"launchctl getenv {S}",
]
#: the whole environment read (its secret-named variables among it)
WHOLE = [
    "R -e 'Sys.getenv()'",
    "Rscript -e 'print(Sys.getenv())'",
    "julia -e 'println(ENV)'",
    "julia -e 'for (k, v) in ENV; println(k, v); end'",
    "lua -e 'for _, k in ipairs(arg) do print(os.getenv(k)) end'",
    "lua -e 'local g = os.getenv; print(g(arg[1]))'",
    "gawk 'BEGIN { for (k in ENVIRON) print k, ENVIRON[k] }'",
    "jq -n env",
    "jq -n '$ENV'",
    "echo 'puts [array get env]' | tclsh",
    "php -r 'print_r($_SERVER);'",
    "node -e 'console.log(Object.entries(process.env))'",
    "node -e 'const {env} = require(\"process\"); console.log(env)'",
    "deno eval 'console.log(Deno.env.toObject())'",
    "elixir -e 'IO.inspect System.get_env()'",
    "clojure -e '(System/getenv)'",
    "ps eww -p 1",
    "ps auxe",
    "systemctl show-environment",
    "tmux show-environment -g",
    "launchctl export",
    f"""perl -e 'print @ENV{{qw({S})}}'""",
    f"""perl -e 'use Env qw({S}); print ${S}'""",
    f"perl -MEnv -e 'print ${S}'",
    "cat /proc/$$/environ",
    "tr '\\0' '\\n' < /proc/self/environ",
]
#: ordinary variables read, code that reads none: allowed under every template, before and after
CONTROLS = [
    """lua -e 'print(os.getenv("HOME"))'""",
    "Rscript -e 'print(1+1)'",
    """julia -e 'println(ENV["PATH"])'""",
    "awk '{print $1}' f",
    "awk '/ENV/ {print $2}' config.txt",
    "jq .name package.json",
    "jq -r '.environment.NODE_ENV' config.json",
    "jq . env",
    """ruby -e 'puts ENV["LANG"]'""",
    """php -r 'echo $_SERVER["argv"][0];'""",
    """echo 'puts $env(HOME)' | tclsh""",
    """yq '.services.web.environment' docker-compose.yml""",
    "ps aux",
    "ps -ef",
    "ps -o pid,cmd -C node",
    "ps --user steve",
    "tmux show-environment -t main DISPLAY",
    "sed 's/ENV/env/' f",
    "envsubst '$HOME' < tpl.txt",
    """python3 -c 'from os import getenv as g; print(g("HOME"))'""",
]


@pytest.mark.parametrize("name", list(TEMPLATES))
@pytest.mark.parametrize("line", NAMED)
def test_a_named_read_meets_the_python_verdict(line: str, name: str) -> None:
    assert at_least(line, TEMPLATES[name][0], PY_READ), line


@pytest.mark.parametrize("line", NAMED)
def test_strict_denies_each_named_read(line: str) -> None:
    assert verdict(STRICT, line) == "DENY", line
    assert S in env_effects(line).reads, env_effects(line)


@pytest.mark.parametrize("name", list(TEMPLATES))
@pytest.mark.parametrize("line", WHOLE)
def test_a_whole_environment_read_meets_the_python_dump_verdict(line: str, name: str) -> None:
    assert at_least(line, TEMPLATES[name][0], PY_DUMP), line


@pytest.mark.parametrize("line", WHOLE)
def test_strict_denies_each_whole_read(line: str) -> None:
    assert EVERY in env_effects(line).reads, env_effects(line)
    assert verdict(STRICT, line) == "DENY", line


@pytest.mark.parametrize("name", list(TEMPLATES))
@pytest.mark.parametrize("line", CONTROLS)
def test_ordinary_reads_stay_allowed(line: str, name: str) -> None:
    assert verdict(TEMPLATES[name][0], line) == "ALLOW", line


def test_the_reason_names_the_variable_not_the_code() -> None:
    out = STRICT(event("Bash", {"command": f"""lua -e 'print(os.getenv("{S}"))'"""}))
    assert out is not None
    assert f"environment variable `{S}`" in out["reason"]
    assert "print(" not in out["reason"]


#: a file written earlier in the session and run: the verdict its one-liner gets
WRITTEN = [
    ("x.lua", f'print(os.getenv("{S}"))\n', "lua x.lua"),
    ("x.R", f'cat(Sys.getenv("{S}"))\n', "Rscript x.R"),
    ("x.jl", f'println(ENV["{S}"])\n', "julia x.jl"),
    ("x.awk", f'BEGIN {{ print ENVIRON["{S}"] }}\n', "awk -f x.awk"),
    ("x.tcl", f"puts $env({S})\n", "tclsh x.tcl"),
    ("x.jl", "println(ENV)\n", "julia x.jl"),
]
WRITTEN_CONTROLS = [
    ("x.lua", 'print(os.getenv("HOME"))\n', "lua x.lua"),
    ("x.awk", "{ n += $2 } END { print n }\n", "awk -f x.awk data.txt"),
    ("x.tcl", "puts [expr {1 + 2}]\n", "tclsh x.tcl"),
]


@pytest.mark.parametrize("name", ["strict", "soc2", "permissive"])
@pytest.mark.parametrize("path, text, run", WRITTEN)
async def test_a_written_script_reads_as_its_code(path: str, text: str, run: str, name: str) -> None:
    expected = verdict(TEMPLATES[name][0], PY_READ if "ENV)" not in text else PY_DUMP)
    assert await run_after(TEMPLATES[name][1], [write(path, text)], run) == expected


@pytest.mark.parametrize("path, text, run", WRITTEN_CONTROLS)
async def test_ordinary_written_scripts_stay_allowed(path: str, text: str, run: str) -> None:
    for name in ("strict", "soc2", "permissive"):
        assert await run_after(TEMPLATES[name][1], [write(path, text)], run) == "ALLOW", name
