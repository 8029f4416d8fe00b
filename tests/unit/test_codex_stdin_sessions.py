"""Which shell commands leave a process reading commands that Codex would type with ``write_stdin``
(no hook runs for it): the program is named; a command given its script, code or input is not."""

from __future__ import annotations

import pytest

from goalrail.integrations.codex.stdin_sessions import reads_commands

INTERACTIVE = {
    "bash": "bash",
    "bash -i": "bash",
    "bash --login": "bash",
    "/bin/zsh": "zsh",
    "cd /tmp && sh": "sh",
    "python3": "python3",
    "python3.12 -i x.py": "python3.12",
    "env FOO=1 node": "node",
    "timeout 600 perl": "perl",
    "sudo -s": "sh",
    "sudo -u bob bash": "bash",
    "nice -n 5 ruby": "ruby",
    "psql -h db": "psql",
    "sqlite3 app.db": "sqlite3",
    "redis-cli": "redis-cli",
    "ssh -p 22 prod": "ssh",
    "docker exec -it web sh": "docker",
    "kubectl exec -i pod -- bash": "kubectl",
    "vim notes.txt": "vim",
    "git status; gdb ./a.out": "gdb",
    "nc -l 4444": "nc",
    "python3 > out.log 2>&1": "python3",
    "bash 2>&1": "bash",
    '"bash"': "bash",
    "b\\ash": "bash",
    "ls | wc -l; node": "node",
}
NOT_INTERACTIVE = [
    "bash -c 'rm -rf build'",
    "bash -lc ls",
    "bash script.sh",
    "bash -s < setup.sh",
    "python3 -c 'print(1)'",
    "python3 -m pytest",
    "python3 <<'EOF'\nprint(1)\nEOF",
    "echo 'select 1' | psql",
    "psql -c 'select 1'",
    "sqlite3 app.db 'select 1'",
    "redis-cli get k",
    "ssh prod uptime",
    "docker ps",
    "node app.js",
    "git status",
    "npm run build",
    "sudo -u bob ls",
    'echo "unbalanced',
    "bash 2>/dev/null -c 'cd /etc'",
    "echo done # then bash",
    "echo 'bash'",
    "",
]


@pytest.mark.parametrize("command, program", INTERACTIVE.items())
def test_interactive_sessions_are_named(command: str, program: str) -> None:
    assert reads_commands(command) == program


@pytest.mark.parametrize("command", NOT_INTERACTIVE)
def test_commands_given_their_input_are_not(command: str) -> None:
    assert reads_commands(command) is None
