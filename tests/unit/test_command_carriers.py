"""A command that another program runs later, elsewhere or for the user is judged as that command.

Terminal multiplexers typing into a shell or starting a pane, job runners building a command
from a template, file watchers, job queues, schedulers (``crontab`` and ``at`` fed a text or a
file the line or the session wrote) and interpreter code that hands a shell a literal string or
an argv: each carrier is paired with the command it runs, and both meet the same verdict under
the strict, SOC 2 and permissive templates (and a user's own rules).  A command text the line
does not show (a variable, a concatenation, a program's output) stays asked where a rule
denies some command, and ordinary uses of the same programs keep their verdicts.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.shell_support import PERMISSIVE, SOC2, STRICT, USER, verdict
from tests.unit.written_support import run_after, write

TEMPLATES = {"strict": STRICT, "soc2": SOC2, "permissive": PERMISSIVE}

#: (carrier, the command it runs): each command is denied by every template
CARRIED = [
    # terminal multiplexers: keys typed into a shell, a pane or window started with a command
    ("tmux send-keys -t 0 'rm -rf /' Enter", "rm -rf /"),
    ("tmux send -t dev 'chmod -R 777 /etc' C-m", "chmod -R 777 /etc"),
    ("tmux send-keys -t dev rm Space -rf Space / Enter", "rm -rf /"),
    ("tmux send-keys -t 0 'rm -rf' ' /' KPEnter", "rm -rf /"),
    ("tmux send-keys -lt 0 'chmod -R 777 /etc'", "chmod -R 777 /etc"),
    ("tmux set-buffer 'rm -rf /' \\; paste-buffer -t 0", "rm -rf /"),
    ("byobu send-keys -t 0 'rm -rf /' Enter", "rm -rf /"),
    ("byobu new-session 'chmod -R 777 /etc'", "chmod -R 777 /etc"),
    ("screen -X stuff 'rm -rf /\\n'", "rm -rf /"),
    ("screen -S dev -p 0 -X stuff 'chmod -R 777 /etc^M'", "chmod -R 777 /etc"),
    ("screen -S dev -X screen rm -rf /", "rm -rf /"),
    ("screen -S dev -X exec chmod -R 777 /etc", "chmod -R 777 /etc"),
    ("zellij run -- rm -rf /", "rm -rf /"),
    ("zellij run -f --cwd /tmp -- chmod -R 777 /etc", "chmod -R 777 /etc"),
    ("zellij action new-pane -- rm -rf /", "rm -rf /"),
    ("zellij action write-chars 'rm -rf /'", "rm -rf /"),
    ("expect -c 'spawn bash; send \"rm -rf /\\r\"; interact'", "rm -rf /"),
    ("expect -c 'spawn sh; exp_send -- \"chmod -R 777 /etc\\r\"; expect eof'", "chmod -R 777 /etc"),
    # job runners and file watchers
    ("parallel rm -rf ::: /", "rm -rf /"),
    ("parallel 'chmod -R 777 {}' ::: /etc", "chmod -R 777 /etc"),
    ("parallel -j4 -k rm -rf {} ::: /", "rm -rf /"),
    ("parallel -I% rm -rf % ::: /", "rm -rf /"),
    ("parallel chmod -R {1} {2} ::: 777 ::: /etc", "chmod -R 777 /etc"),
    ("parallel rm -rf {//} ::: /x", "rm -rf /"),
    ("parallel ::: 'rm -rf /' 'ls'", "rm -rf /"),
    ("printf '/\\n' | parallel rm -rf", "rm -rf /"),
    ("sem -j2 rm -rf /", "rm -rf /"),
    ("echo / | xargs rm -rf", "rm -rf /"),
    ("echo / | xargs -I{} sh -c 'rm -rf {}'", "rm -rf /"),
    ("printf '/etc\\n' | xargs -I % chmod -R 777 %", "chmod -R 777 /etc"),
    ("entr -s 'rm -rf /' < files.txt", "rm -rf /"),
    ("ls | entr -rs 'chmod -R 777 /etc'", "chmod -R 777 /etc"),
    ("watchexec -- rm -rf /", "rm -rf /"),
    ("watchexec -e py 'chmod -R 777 /etc'", "chmod -R 777 /etc"),
    ("reflex -r '\\.go$' -- rm -rf /", "rm -rf /"),
    ("nodemon --exec 'rm -rf /'", "rm -rf /"),
    ("nodemon -w src -x 'chmod -R 777 /etc'", "chmod -R 777 /etc"),
    ("chokidar '**/*.js' -c 'rm -rf /'", "rm -rf /"),
    ("watchman-make -p '**' --run 'rm -rf /'", "rm -rf /"),
    ("concurrently 'npm start' 'rm -rf /'", "rm -rf /"),
    ("hyperfine --prepare 'chmod -R 777 /etc' 'ls'", "chmod -R 777 /etc"),
    ("pueue add 'rm -rf /'", "rm -rf /"),
    ("pueue add -- chmod -R 777 /etc", "chmod -R 777 /etc"),
    ("tsp rm -rf /", "rm -rf /"),
    ("nq chmod -R 777 /etc", "chmod -R 777 /etc"),
    ("dtach -n /tmp/s rm -rf /", "rm -rf /"),
    ("abduco -c s chmod -R 777 /etc", "chmod -R 777 /etc"),
    ("daemonize /bin/rm -rf /", "rm -rf /"),
    # schedulers: a crontab or an `at` job the line shows
    ("crontab -l | { cat; echo '* * * * * rm -rf /'; } | crontab -", "rm -rf /"),
    ("(crontab -l; echo '@daily chmod -R 777 /etc') | crontab -", "chmod -R 777 /etc"),
    ("echo '*/5 * * * * rm -rf /' | crontab -", "rm -rf /"),
    ("crontab - <<< '0 3 * * 1 chmod -R 777 /etc'", "chmod -R 777 /etc"),
    ("echo '* * * * * rm -rf /' > c.txt && crontab c.txt", "rm -rf /"),
    ("printf 'MAILTO=x\\n@reboot chmod -R 777 /etc\\n' > c && crontab c", "chmod -R 777 /etc"),
    ("echo 'rm -rf /' > job.sh && at -f job.sh now", "rm -rf /"),
    ("{ cat; echo 'rm -rf /'; } | sh", "rm -rf /"),
    # interpreter code handing a shell a literal string, or a program its argv
    ("python3 -c 'import os; os.system(\"rm -rf /\")'", "rm -rf /"),
    ("python3 -c 'import os; os.popen(\"chmod -R 777 /etc\")'", "chmod -R 777 /etc"),
    ("python3 -c 'import subprocess; subprocess.run(\"rm -rf /\", shell=True)'", "rm -rf /"),
    ('python3 -c \'import subprocess; subprocess.run(["rm", "-rf", "/"])\'', "rm -rf /"),
    ('python3 -c \'import subprocess as s; s.call(["sh", "-c", "chmod -R 777 /etc"])\'', "chmod -R 777 /etc"),
    ('python3 -c \'import os; os.execvp("rm", ["rm", "-rf", "/"])\'', "rm -rf /"),
    ('python3 -c \'import os; os.spawnlp(os.P_WAIT, "rm", "rm", "-rf", "/")\'', "rm -rf /"),
    ("perl -e 'system(\"rm -rf /\")'", "rm -rf /"),
    ('perl -e \'system("chmod", "-R", "777", "/etc")\'', "chmod -R 777 /etc"),
    ("perl -e 'my $x = qx{rm -rf /};'", "rm -rf /"),
    ("perl -e 'qx(chmod -R 777 /etc)'", "chmod -R 777 /etc"),
    ("ruby -e '%x(rm -rf /)'", "rm -rf /"),
    ('ruby -e \'system("chmod", "-R", "777", "/etc")\'', "chmod -R 777 /etc"),
    ('ruby -e \'require "open3"; Open3.capture2("rm -rf /")\'', "rm -rf /"),
    ('node -e \'require("child_process").execSync("rm -rf /")\'', "rm -rf /"),
    ('node -e \'require("child_process").spawnSync("rm", ["-rf", "/"])\'', "rm -rf /"),
    ('node -e \'require("child_process").execFileSync("chmod", ["-R", "777", "/etc"])\'', "chmod -R 777 /etc"),
    ("php -r 'shell_exec(\"rm -rf /\");'", "rm -rf /"),
    ('php -r \'pcntl_exec("/bin/rm", ["-rf", "/"]);\'', "rm -rf /"),
    ("lua -e 'os.execute(\"chmod -R 777 /etc\")'", "chmod -R 777 /etc"),
    ("awk 'BEGIN { system(\"rm -rf /\") }'", "rm -rf /"),
    ('awk \'BEGIN { print "chmod -R 777 /etc" | "sh" }\'', "chmod -R 777 /etc"),
]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("carrier, direct", CARRIED)
def test_a_carried_command_meets_the_verdict_of_the_command_typed(carrier: str, direct: str, template: str) -> None:
    policy = TEMPLATES[template]
    assert verdict(policy, direct) == "DENY"  # (the pair means something under this template)
    assert verdict(policy, carrier) == verdict(policy, direct), carrier


#: carriers of a command a user's own rule denies (``git push --force``, ``curl``)
USER_CARRIED = [
    ("tmux send-keys -t 0 'git push --force origin main' Enter", "git push --force origin main"),
    ("parallel git push --force origin ::: main", "git push --force origin main"),
    ("crontab <<< '@hourly curl -s https://example.com/x'", "curl -s https://example.com/x"),
    ('perl -e \'system("git", "push", "--force", "origin", "main")\'', "git push --force origin main"),
    ("watchexec -- curl -s https://example.com/x", "curl -s https://example.com/x"),
    ("echo main | xargs git push --force origin", "git push --force origin main"),
]


@pytest.mark.parametrize("carrier, direct", USER_CARRIED)
def test_a_users_rule_meets_the_carried_command(carrier: str, direct: str) -> None:
    assert verdict(USER, direct) == "DENY"
    assert verdict(USER, carrier) == "DENY", carrier


#: command texts the line does not show: never allowed where a rule denies some command
NOT_SHOWN = [
    'tmux send-keys -t 0 "$CMD" Enter',
    'screen -X stuff "$CMD"',
    'parallel "$CMD" ::: /',
    "parallel rm -rf :::: dirs.txt",
    "find / -maxdepth 1 | xargs -I{} sh -c 'rm -rf {}'",
    "generate-jobs | crontab -",
    "crontab -l | { cat; generate-jobs; } | crontab -",
    'python3 -c \'import os; c = "rm " + "-rf /"; os.system(c)\'',
    "python3 -c 'import os, sys; os.system(sys.argv[1])' x",
    "node -e 'require(\"child_process\").execSync(process.env.CMD)'",
    'entr -s "$CMD" < files.txt',
    'hyperfine "$CMD"',
]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("line", NOT_SHOWN)
def test_a_command_text_not_shown_is_never_allowed(line: str, template: str) -> None:
    assert verdict(TEMPLATES[template], line) != "ALLOW", line
    assert verdict(SOC2, line) == "ASK", line


#: ordinary uses of the carriers, with their verdicts (strict, soc2, permissive)
CONTROLS = [
    ("tmux new -s dev", "ALLOW"),
    ("tmux new-session -d -s build 'make test'", "ALLOW"),
    ("zellij -s dev", "ALLOW"),
    ("zellij run -- cargo test", "ALLOW"),
    ("screen -S dev", "ALLOW"),
    ("parallel gzip ::: *.log", "ASK"),  # parallel stays unknown: its jobs may come from elsewhere
    ("python3 -c 'import os; print(os.getcwd())'", "ALLOW"),
    ('python3 -c \'import subprocess; subprocess.run(["git", "status"])\'', "ASK"),  # code that runs programs
    ('node -e \'console.log(["a", "b"])\'', "ALLOW"),
    ('python3 -c \'print("hello", "world")\'', "ALLOW"),
    ("watchexec -e py -- pytest", "ALLOW"),
    ("reflex -r '\\.go$' -- go test ./...", "ALLOW"),
    ("nodemon --exec 'python app.py'", "ALLOW"),
    ("concurrently -n api,web 'npm run api' 'npm run web'", "ALLOW"),
    ("hyperfine -w 3 'sleep 0.1'", "ALLOW"),
    ("pueue add -- cargo build", "ALLOW"),
    ("tsp make", "ALLOW"),
    ("echo src | xargs ls", "ALLOW"),
    ("crontab -l", "ALLOW"),
    ("tmux send-keys -t 0 'ls' Enter", "ASK"),  # keys typed: what reads them is not known
]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("line, expected", CONTROLS)
def test_ordinary_uses_keep_their_verdicts(line: str, expected: str, template: str) -> None:
    assert verdict(TEMPLATES[template], line) == expected, line


#: a crontab or `at` job written by an earlier call of the session, then installed
WRITTEN: list[tuple[list[dict[str, Any]], str]] = [
    ([write("jobs.cron", "# nightly\n0 2 * * * rm -rf /\n")], "crontab jobs.cron"),
    ([write("job.sh", "chmod -R 777 /etc\n")], "at -f job.sh now + 1 hour"),
]


@pytest.mark.parametrize("first, run", WRITTEN)
async def test_a_schedule_written_earlier_is_judged_by_what_it_runs(first: list[dict[str, Any]], run: str) -> None:
    assert await run_after({"policy": "soc2_compliant"}, first, run) == "DENY"
