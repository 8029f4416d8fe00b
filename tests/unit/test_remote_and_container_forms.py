"""Commands run on another host or in a container, and the container forms still unread (issue 13).

* A cloud or fleet CLI that runs a command on a machine it reaches (``gcloud compute ssh
  --command``, ``az vm run-command --scripts``, ``aws ssm send-command``'s ``commands``, ``aws ecs
  execute-command``, ``fly ssh console -C``, ``heroku run``, ``ansible -m shell -a``, ``salt
  cmd.run``, ``pdsh``/``pssh``/``clush``, ``mosh host -- sh -c``) meets the verdict ``ssh host
  CMD`` meets under each template and a user's own rules: the rules on programs read the command.
* A container's or host's environment printed (``kubectl exec pod -- env``, ``docker exec c
  printenv X``, ``docker inspect c``, ``docker compose config``, ``kubectl set env x --list``) meets
  the rules on reading secret variables as ``env`` does.
* A command run as root in a container (``docker exec -u 0``, ``--user root``) is privilege, and
  ``docker stack deploy -c FILE`` reads a compose file the session wrote as ``compose up`` does.

Ordinary uses of the same programs keep their verdicts.
"""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import PERMISSIVE, SOC2, STRICT, USER, unprivileged, verdict
from tests.unit.written_support import run_after, write

TEMPLATES = {"strict": STRICT, "soc2": SOC2, "permissive": PERMISSIVE, "user": USER}

#: carriers, each with ``{}`` where the command stands (quoted as one word where the CLI takes one)
CARRIERS = [
    "gcloud compute ssh vm --zone us-east1-b --command {q}",
    "gcloud compute ssh vm --command={q}",
    "gcloud compute ssh vm -- {w}",
    "gcloud beta compute tpus tpu-vm ssh tpu --command {q}",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts 'uptime' {q}",
    "az vmss run-command invoke -g rg -n ss --instance-id 0 --command-id RunShellScript --scripts {q}",
    "az ssh vm -g rg -n vm -- {w}",
    "aws ssm send-command --document-name AWS-RunShellScript --targets Key=tag:r,Values=web --parameters {qjson}",
    "aws ssm send-command --instance-ids i-1 --document-name AWS-RunShellScript --parameters {qshort}",
    "aws ssm start-session --target i-1 --document-name AWS-StartInteractiveCommand --parameters command={q}",
    "aws ecs execute-command --cluster c --task t --container app --interactive --command {q}",
    "doctl compute ssh web --ssh-command {q}",
    "eb ssh prod-env --command {q}",
    "fly ssh console -a app -C {q}",
    "flyctl ssh console --command {q}",
    "fly machine exec 148e1234 {q}",
    "heroku run {w} -a app",
    "heroku run:detached -a app -- {w}",
    "gh codespace ssh -c cs -- {w}",
    "ansible all -i hosts -m shell -a {q}",
    "ansible web -m ansible.builtin.command -a {q}",
    "ansible all -a {q}",
    "ansible all -m raw -a {q} -f 10",
    "salt '*' cmd.run {q}",
    "salt -G 'os:Ubuntu' cmd.run_all {q}",
    "salt-ssh 'web*' cmd.shell {q}",
    "pdsh -w host[1-3] {w}",
    "pssh -h hosts.txt -l deploy -i {q}",
    "parallel-ssh -H web1 -H web2 {q}",
    "clush -w node[1-8] -b {q}",
    "mosh host -- sh -c {q}",
    # global options before the subcommand, options after the command
    "aws --region us-east-1 ssm send-command --document-name AWS-RunShellScript --parameters {qshort}",
    "fly -a app ssh console -C {q}",
    "fly machine exec 148e1234 {q} -a app",
    "gcloud --project p compute ssh user@vm --zone=z --command={q}",
    "az vm run-command create -g rg --vm-name vm --name x --script {q}",
    "ansible all -mshell -a {q}",
]
#: the commands carried: each is denied by some template or the user's rules when run by ssh
COMMANDS = ["rm -rf /", "chmod -R 777 /etc", "git push --force origin main", "curl -s https://example.com/x"]


def _carried(carrier: str, command: str) -> str:
    return carrier.format(
        q=shlex.quote(command),
        w=command,
        qjson=shlex.quote('{"commands":["uptime","' + command + '"]}'),
        qshort=shlex.quote('commands=["' + command + '"]'),
    )


@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_command_run_elsewhere_meets_the_verdict_of_ssh_host_cmd(carrier: str, command: str, template: str) -> None:
    policy = TEMPLATES[template]
    line = _carried(carrier, command)
    assert verdict(policy, line) == verdict(policy, f"ssh host {shlex.quote(command)}"), line


@pytest.mark.parametrize("carrier", CARRIERS)
def test_a_users_rule_on_a_program_meets_it_run_elsewhere(carrier: str) -> None:
    for command in ("rm -rf /", "git push --force origin main", "curl -s https://example.com/x"):
        assert verdict(USER, _carried(carrier, command)) == "DENY", _carried(carrier, command)


@pytest.mark.parametrize(
    "line",
    [
        "ansible all -b -m shell -a 'systemctl restart nginx'",
        "ansible all --become -m command -a 'id'",
        "ssh -t host 'sudo rm -rf /var/www'",
        "gcloud compute ssh vm --command 'sudo systemctl restart nginx'",
        "kubectl exec pod -- sh -c 'chmod -R 777 /etc'",
    ],
)
def test_root_on_the_other_machine_is_privilege_escalation(line: str) -> None:
    """``ansible -b`` is sudo there, as ``ssh host sudo …`` is."""
    assert verdict(SOC2, line) == "DENY"
    assert verdict(PERMISSIVE, line) == "DENY" or "chmod" in line


#: a command the line does not show: asked where rules deny some command
NOT_SHOWN = [
    'gcloud compute ssh vm --command "$CMD"',
    "aws ssm send-command --document-name AWS-RunShellScript --parameters file://params.json",
    "aws ssm send-command --document-name AWS-RunRemoteScript --parameters sourceType=S3",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --script-uri https://x/s.sh",
    "salt '*' cmd.script salt://scripts/x.sh",
    "pdsh -Z weird uptime",
]


@pytest.mark.parametrize("line", NOT_SHOWN)
def test_a_remote_command_the_line_does_not_show_is_asked(line: str) -> None:
    assert verdict(STRICT, line) == "ASK"
    assert verdict(USER, line) in ("ASK", "DENY")


#: a container's or host's environment printed: denied as `env` is (strict, SOC 2)
ENV_PRINTS = [
    "kubectl exec pod -- env",
    "kubectl exec -it pod -c app -- printenv",
    "kubectl exec pod -- sh -c 'printenv | sort'",
    "kubectl exec pod -- printenv DB_PASSWORD",
    "oc exec pod -- env",
    "microk8s kubectl exec pod -- env",
    "docker exec c env",
    "docker exec c printenv AWS_SECRET_ACCESS_KEY",
    "docker exec c sh -c 'echo $DB_PASSWORD'",
    "podman exec -it c env",
    "docker compose exec web env",
    "docker run --rm myimage env",
    "ssh host env",
    "ssh host 'export -p'",
    "gcloud compute ssh vm --command printenv",
    "heroku run printenv -a app",
    "ansible all -m shell -a 'env'",
    "docker inspect c",
    "docker container inspect web",
    "podman inspect c",
    "nerdctl inspect c",
    "docker inspect -f '{{json .Config}}' c",
    "docker inspect --format='{{range .Config.Env}}{{println .}}{{end}}' c",
    "docker service inspect web",
    "docker compose config",
    "docker compose -f prod.yml config",
    "docker-compose config",
    "podman-compose config",
    "docker stack config -c stack.yml",
    "kubectl set env deploy/web --list",
    "kubectl set env pod/web --list --resolve",
    "oc set env dc/web --list",
]


@pytest.mark.parametrize("policy", [STRICT, SOC2], ids=["strict", "soc2"])
@pytest.mark.parametrize("line", ENV_PRINTS)
def test_an_environment_printed_elsewhere_meets_the_env_rules(line: str, policy: Any) -> None:
    assert verdict(policy, "env") == "DENY"
    assert verdict(policy, line) == "DENY", line


#: run as root in a running container (its grants not shown): denied under the three templates
AS_ROOT = [
    "docker exec -u 0 c sh",
    "docker exec -u root c id",
    "docker exec --user root c id",
    "docker exec --user=0 c id",
    "docker exec -it -u 0:0 c bash",
    "docker exec -itu root c bash",
    "docker exec -u0 c sh",
    "podman exec -u 0 c id",
    "nerdctl exec --user root c sh",
    "finch exec -u root c sh",
    "docker compose exec -u root web sh",
    "docker-compose exec --user 0 web sh",
    "docker container exec --user=root:root web sh",
]


@pytest.mark.parametrize("name", ["strict", "soc2", "permissive"])
@pytest.mark.parametrize("line", AS_ROOT)
def test_root_in_a_container_is_denied(line: str, name: str) -> None:
    assert verdict(TEMPLATES[name], line) == "DENY"


#: ordinary uses of the same programs: allowed under the three templates, as before
CONTROLS = [
    "kubectl get pods",
    "microk8s kubectl get pods",
    "docker exec c ls",
    "docker exec -u app c ls",
    "docker exec -u 1000 c id",
    "docker run --user 1000 alpine id",
    "docker run --rm -e USER=root alpine id",
    "docker run --rm -u 0 alpine id",
    "docker run --user root:root -it alpine sh",
    "ssh host uptime",
    "gcloud compute instances list",
    "gcloud compute ssh vm",
    "gcloud compute ssh vm --command uptime",
    "az vm list -o table",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts 'df -h'",
    "aws s3 ls",
    "aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=[\"uptime\"]'",
    "aws ssm start-session --target i-1",
    "aws ssm send-command --document-name AWS-UpdateSSMAgent --targets Key=tag:r,Values=web",
    "heroku apps",
    "heroku run bash -a app",
    "fly ssh console",
    "ansible all -m ping",
    "ansible all -m command -a 'uptime'",
    "salt '*' test.ping",
    "salt '*' cmd.run 'df -h'",
    "pdsh -w h[1-3] uptime",
    "docker inspect --format '{{.State.Status}}' c",
    "docker inspect -f '{{.NetworkSettings.IPAddress}}' c",
    "docker service inspect --format '{{.Spec.Name}}' web",
    "docker image inspect alpine",
    "docker compose config --services",
    "docker compose config --no-interpolate",
    "docker compose ps",
    "kubectl describe secret db",
    "kubectl get secrets",
    "kubectl set env deploy/web LOG_LEVEL=debug",
    "kubectl logs pod",
]


@pytest.mark.parametrize("name", ["strict", "soc2", "permissive"])
@pytest.mark.parametrize("line", CONTROLS)
def test_ordinary_uses_stay_allowed(line: str, name: str) -> None:
    """(``kubectl set env``, a change to a live cluster, is asked under ``strict`` and ``soc2``.)"""
    assert verdict(TEMPLATES[name], line) == unprivileged(name, line)


PRIVILEGED = "services:\n  app:\n    image: alpine\n    privileged: true\n"
HOST_ROOT = "services:\n  app:\n    image: alpine\n    volumes:\n      - /:/host\n"
PLAIN = "services:\n  app:\n    image: alpine\n"
STACKS = [
    ([write("stack.yml", PRIVILEGED)], "docker stack deploy -c stack.yml app", "DENY"),
    ([write("stack.yml", HOST_ROOT)], "docker stack deploy --compose-file stack.yml app", "DENY"),
    ([write("stack.yml", HOST_ROOT)], "docker stack deploy --compose-file=stack.yml app", "DENY"),
    ([write("a.yml", PLAIN), write("b.yml", PRIVILEGED)], "docker stack deploy -c a.yml -c b.yml app", "DENY"),
    ([write("stack.yml", PLAIN)], "docker stack deploy -c stack.yml app", "ALLOW"),
    ([write("stack.yml", PRIVILEGED)], "docker stack ls", "ALLOW"),
]


@pytest.mark.parametrize("name", ["strict", "soc2_compliant", "permissive"])
@pytest.mark.parametrize("first, run, expected", STACKS)
async def test_a_stack_deployed_from_a_written_compose_file(
    name: str, first: list[dict[str, Any]], run: str, expected: str
) -> None:
    assert await run_after({"policy": name}, first, run) == expected


def test_the_yaml_built_in_denies_root_in_a_container_too() -> None:
    """The strict YAML policy (``policy: strict``) holds the same text."""
    assert verdict(pattern_policy(policy="strict"), "docker exec --user root c sh") == "DENY"
