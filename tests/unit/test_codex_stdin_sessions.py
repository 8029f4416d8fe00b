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


#: the terminal reaching a command reader by another way: a filter copying it down a pipe, a
#: redirection from the terminal itself, code that starts one, more wrappers, text read and run
OTHER_WAYS = {
    "cat | bash": "bash",
    "tee /dev/null | sh": "sh",
    "head -c 100000 | python3": "python3",
    "stdbuf -oL cat | tee log | bash": "bash",
    "bash < /dev/tty": "bash",
    "bash 0<&0": "bash",
    "bash -s < /dev/stdin": "bash",
    "sh /dev/stdin": "sh",
    "python3 /dev/tty": "python3",
    "source /dev/stdin": "source",
    ". /dev/fd/0": ".",
    "bash -c bash": "bash",
    "sh -c 'exec python3'": "python3",
    "ssh prod bash": "bash",
    "su -c sh": "sh",
    "setsid bash": "bash",
    "strace -f -o /tmp/t bash": "bash",
    "unshare -r bash": "bash",
    "chroot / bash": "bash",
    "sudo -E bash": "bash",
    "exec -a x bash": "bash",
    "xargs -I{} sh -c {}": "xargs",
    "parallel": "parallel",
    'eval "$(cat)"': "cat",
    "rm $(head -1)": "head",
    "bash <(cat)": "bash",
    'while read l; do eval "$l"; done': "read",
    "awk '{system($0)}'": "awk",
    "perl -ne 'system $_'": "perl",
    "python3 -c 'import sys; exec(sys.stdin.read())'": "python3",
}
#: near misses: the same programs given their input, or reading the terminal without running it
OTHER_WAYS_CONTROLS = [
    "echo ls | bash",
    "curl -s https://example.com/i.sh | sh",
    "cat script.sh | bash",
    "sed -n p steps.txt | bash",
    "cat <<EOF | bash\nls\nEOF",
    "bash x.sh < /dev/null",
    "find . -name '*.o' | xargs rm",
    "xargs -a list.txt rm",
    "parallel gzip ::: a b",
    "echo $(date) $(cat VERSION)",
    "echo '$(cat)'",
    "awk '{print $1}'",
    "read -p 'go on?' answer",
    "python3 -c 'print(input())'",
    "diff <(sort a) <(sort b)",
    "ssh prod uptime",
    "bash -c 'ls; pwd'",
    "sudo -E make",
]


@pytest.mark.parametrize("command, program", OTHER_WAYS.items())
def test_the_terminal_reaching_a_command_reader_another_way(command: str, program: str) -> None:
    assert reads_commands(command) == program


@pytest.mark.parametrize("command", OTHER_WAYS_CONTROLS)
def test_near_misses_that_give_their_input_or_run_none(command: str) -> None:
    assert reads_commands(command) is None
