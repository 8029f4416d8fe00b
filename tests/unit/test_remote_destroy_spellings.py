"""Other spellings of destroying what lives outside the file system (twenty-ninth sitting), each
meeting the template's stance on ``REMOTE_DESTROY``, ``REMOTE_CHANGE`` and ``POWER_KILL``
(docs/patterns.md, "Resources outside the file system"; ``test_outside_resources`` holds the CLIs):

* an HTTP DELETE sent by ``curl``, ``wget``, HTTPie/xh, ``gh api``, ``az rest``, PowerShell's
  ``Invoke-RestMethod``, or a request to an endpoint that deletes (``_delete_by_query``, the Docker
  Engine API's ``/containers/prune``, the AWS query API's ``Action=TerminateInstances``);
* a cloud SDK's or an HTTP client's deleting call in interpreter code (inline, a here-document, a
  file the line writes and runs);
* a live cluster's objects deleted (``kubectl delete``, ``oc delete``) or a release uninstalled
  (``helm uninstall``): destroyed, not only changed, so ``strict`` denies it;
* configuration management: ansible with ``state=absent``, a playbook that says it destroys,
  salt's removing functions, ``salt-cloud -d`` (any other playbook run keeps its answer);
* every container stopped or killed (``docker stop $(docker ps -q)``, ``podman stop -a``) and a
  fleet rebooted (``ansible -m reboot``, ``salt system.reboot``): as every process killed.
"""

from __future__ import annotations

import pytest

from tests.unit.shell_support import (
    HIPAA,
    PERMISSIVE,
    READ_ONLY,
    SOC2,
    SOC2_AVAILABILITY,
    STRICT,
    event,
    tool_verdict,
    verdict,
)
from tests.unit.written_support import run_after, write

TEMPLATES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

HTTP_DELETE = [
    "curl -X DELETE https://api.github.com/repos/acme/app",
    'curl -X DELETE -H "Authorization: token $T" https://api.example.com/v1/projects/prod',
    "curl -XDELETE https://api.github.com/repos/acme/app",
    "curl -sX DELETE https://api.github.com/repos/acme/app",
    "curl --request=DELETE https://api.github.com/repos/acme/app",
    "curl --request DELETE https://api.github.com/repos/acme/app",
    "curl -X delete https://api.github.com/repos/acme/app",
    "curl -X 'DELETE' https://api.github.com/repos/acme/app",
    "curl -s -H 'Accept: application/json' -X DELETE 'https://api.x.com/v1/items?id=1&force=true'",
    "curl -X DELETE http://localhost:9200/logs-2026",
    "curl -X POST 'http://localhost:9200/logs/_delete_by_query' -d '{\"query\":{\"match_all\":{}}}'",
    "curl --unix-socket /var/run/docker.sock -X POST http://localhost/containers/prune",
    "curl 'https://ec2.amazonaws.com/?Action=TerminateInstances&InstanceId.1=i-1'",
    "wget --method=DELETE https://api.example.com/v1/projects/prod",
    "wget -q --method DELETE https://api.example.com/v1/projects/prod",
    "http DELETE https://api.example.com/v1/projects/prod",
    "https -v DELETE api.example.com/v1/projects/prod",
    "xh delete https://api.example.com/v1/projects/prod",
    "gh api -XDELETE repos/acme/app",
    "gh api --method=delete repos/acme/app",
    "gh api -iX DELETE repos/acme/app",
    "az rest --method delete --url https://management.azure.com/subscriptions/s/resourcegroups/rg",
    "az rest -m DELETE --uri https://management.azure.com/x",
    "bash -c 'curl -X DELETE https://api.github.com/repos/acme/app'",
    "echo $(curl -sX DELETE https://api.github.com/repos/acme/app)",
    "env T=x curl -X DELETE https://api.github.com/repos/acme/app",
    "ssh ops 'curl -X DELETE http://localhost:9200/logs'",
    "echo 'curl -X DELETE https://api.github.com/repos/acme/app' > d.sh && sh d.sh",
    "/usr/bin/curl -X DELETE https://api.github.com/repos/acme/app",
    "echo https://api.github.com/repos/acme/app | xargs curl -X DELETE",
    'pwsh -c "Invoke-RestMethod -Method Delete -Uri https://api.example.com/v1/projects/prod"',
]
SDK = [
    """python -c "import boto3; boto3.resource('s3').Bucket('prod').objects.all().delete()\"""",
    """python3 -c "import boto3; boto3.client('s3').delete_bucket(Bucket='prod')\"""",
    """python3 -c "import boto3; boto3.client('s3').delete_objects(Bucket='b', Delete={'Objects': o})\"""",
    """python3 -c "import boto3; boto3.client('ec2').terminate_instances(InstanceIds=['i-1'])\"""",
    """python3 -c "import boto3; boto3.client('rds').delete_db_instance(DBInstanceIdentifier='db')\"""",
    """python3 -c "from google.cloud import storage; storage.Client().bucket('b').delete(force=True)\"""",
    """python3 -c "from google.cloud import storage; storage.Client().bucket('b').blob('k').delete()\"""",
    """python3 -c "from azure.mgmt.resource import ResourceManagementClient as R; """
    """R(c, s).resource_groups.begin_delete('rg')\"""",
    """python3 -c "from kubernetes import client, config; config.load_kube_config(); """
    """client.CoreV1Api().delete_namespace('prod')\"""",
    """python3 -c "from github import Github; Github('t').get_repo('o/r').delete()\"""",
    """python3 -c "import docker; docker.from_env().containers.prune()\"""",
    """python3 -c "import requests; requests.delete('https://api.github.com/repos/acme/app')\"""",
    """python3 -c "import httpx; httpx.delete('https://api.example.com/v1/projects/prod')\"""",
    """python3 -c "import urllib.request as u; u.urlopen(u.Request('https://api.x.com/p', method='DELETE'))\"""",
    """node -e "const {S3Client, DeleteBucketCommand} = require('@aws-sdk/client-s3'); """
    """new S3Client({}).send(new DeleteBucketCommand({Bucket: 'b'}))\"""",
    """node -e "const {Octokit} = require('@octokit/rest'); """
    """new Octokit({auth: t}).rest.repos.delete({owner: 'o', repo: 'r'})\"""",
    """node -e "fetch('https://api.example.com/v1/projects/prod', {method: 'DELETE'})\"""",
    """node -e "const k8s = require('@kubernetes/client-node'); """
    """new k8s.KubeConfig().makeApiClient(k8s.CoreV1Api).deleteNamespace({name: 'prod'})\"""",
    """ruby -e "require 'aws-sdk-s3'; Aws::S3::Client.new.delete_bucket(bucket: 'prod')\"""",
    """node -e "const AWS = require('aws-sdk'); new AWS.S3().deleteBucket({Bucket: 'b'}).promise()\"""",
    "python3 - <<'E'\nimport boto3\nboto3.client('s3').delete_bucket(Bucket='prod')\nE",
    "cat > clean.py <<'E'\nimport boto3\nfor b in boto3.resource('s3').buckets.all():\n"
    "    b.objects.all().delete()\nE\npython3 clean.py",
    """sh -c "python3 -c \\"import boto3; boto3.client('s3').delete_bucket(Bucket='b')\\"\"""",
]
CLUSTER = [
    "kubectl delete namespace prod",
    "kubectl -n prod delete pod web-1",
    "kubectl --context prod delete -f k8s/",
    "kubectl delete ns prod --dry-run=none",
    "oc delete project prod",
    "helm uninstall prod-release",
    "helm -n prod uninstall web",
    "helm delete web",
    "ssh bastion kubectl delete ns prod",
    "sh -c 'kubectl delete namespace prod'",
]
CONFIG = [
    'ansible all -m file -a "path=/ state=absent"',
    "ansible all -m apt -a 'name=nginx state=absent'",
    'ansible db -m community.docker.docker_container -a \'{"name": "pg", "state": "absent"}\'',
    "ansible-playbook destroy.yml",
    "ansible-playbook -i inv teardown.yml",
    "ansible-playbook -i inv site.yml --tags destroy",
    "ansible-playbook -i inv site.yml -t teardown",
    "ansible-playbook site.yml -e state=absent",
    "salt '*' file.remove /var/lib/app",
    "salt '*' pkg.purge nginx",
    "salt-ssh web user.delete bob",
    "salt-cloud -d web1",
    "salt-cloud --destroy web1 web2",
]
#: already read before this sitting: kept as they were
PLATFORMS = [
    "pulumi destroy --yes",
    "pulumi stack rm prod",
    "cdk destroy --all",
    "serverless remove",
    "sst remove --stage prod",
    "vercel remove web --yes",
    "fly apps destroy web",
    "heroku apps:destroy web",
    "netlify sites:delete 123",
    "doctl compute droplet delete web",
    "firebase projects:delete p",
    "aws s3api delete-bucket --bucket b",
    "gh api -X DELETE repos/acme/app",
]
STOP_ALL = [
    "docker stop $(docker ps -q)",
    "docker kill $(docker ps -q)",
    "docker stop `docker ps -aq`",
    "docker stop -t 5 $(docker ps -q)",
    "docker stop $(docker ps --quiet --all)",
    "docker container stop $(docker container ls -q)",
    "docker pause $(docker ps -q)",
    "docker ps -q | xargs docker stop",
    "docker ps -aq | xargs -r docker kill",
    "podman stop -a",
    "podman kill --all",
    "podman pod stop -a",
    "nerdctl stop $(nerdctl ps -q)",
    "sh -c 'docker stop $(docker ps -q)'",
    "ansible all -m reboot",
    "ansible web -m ansible.builtin.reboot",
    "salt '*' system.reboot",
]
#: reads, lists, dry runs, one container: each keeps the answer it had
CONTROLS = [
    "curl https://api.github.com/repos/acme/app",
    "curl -s https://docs.python.org/3/library/",
    "curl -fsSL https://example.com/install.sh -o install.sh",
    "curl https://example.com/how-to-delete-a-repo",
    "curl -H 'X-Action: delete' https://example.com/",
    'curl -X POST https://api.example.com/v1/projects -d \'{"name":"x"}\'',
    "curl -X GET https://api.example.com/v1/items",
    "wget https://example.com/file.tar.gz",
    "http GET api.example.com/x",
    "gh api repos/acme/app",
    "gh api -X POST repos/o/r/issues -f title=x",
    """python3 -c "import boto3; print(boto3.client('s3').list_buckets())\"""",
    """python3 -c "import requests; print(requests.get('https://api.github.com/repos/acme/app').json())\"""",
    """python3 -c "d = {'a': 1}; del d['a']; print(d)\"""",
    """node -e "const m = new Map([[1, 2]]); m.delete(1); console.log(m.size)\"""",
    "ansible all -m ping",
    "ansible all -m setup",
    "ansible-playbook site.yml",
    "ansible-playbook -i inventory/prod.ini site.yml --limit web",
    "ansible-playbook destroy.yml --check",
    "ansible-playbook site.yml --check",
    "ansible-playbook site.yml -C",
    "ansible-playbook site.yml --syntax-check",
    "ansible-playbook --list-tasks destroy.yml",
    "ansible-playbook --help",
    "salt '*' test.ping",
    "docker ps -q",
    "docker ps -aq",
    "docker stop web",
    "docker kill web",
    "docker stop $(docker ps -q --filter name=web)",
    "docker stop $(docker ps -l -q)",
    "podman stop web",
    "kubectl get ns",
    "kubectl delete ns prod --dry-run=client",
    "helm uninstall web --dry-run",
    "helm list",
    "git status",
    "pytest",
    "npm test",
]

DESTROYED = {"strict": "DENY", "soc2": "ASK", "hipaa": "ASK", "permissive": "ASK"}
#: (lines, the answer per template)
CLASSES = {
    "http": (HTTP_DELETE, DESTROYED),
    "sdk": (SDK, DESTROYED),
    "cluster": (CLUSTER, DESTROYED),
    "config": (CONFIG, DESTROYED),
    "platforms": (PLATFORMS, DESTROYED),
    "stop_all": (STOP_ALL, {"strict": "DENY", "soc2": "ASK", "hipaa": "ALLOW", "permissive": "ASK"}),
}
CASES = [(kind, line) for kind, (lines, _answers) in CLASSES.items() for line in lines]


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize(("kind", "line"), CASES)
def test_each_template_answers_as_for_the_cli(name: str, kind: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) == CLASSES[kind][1][name]


@pytest.mark.parametrize(("kind", "line"), CASES)
def test_read_only_runs_none(kind: str, line: str) -> None:
    assert verdict(READ_ONLY, line) == "DENY"


@pytest.mark.parametrize("line", HTTP_DELETE + SDK + CLUSTER + CONFIG + STOP_ALL)
def test_soc2_availability_blocks_them(line: str) -> None:
    assert verdict(SOC2_AVAILABILITY, line) == "DENY"


#: what each control answered before this sitting (strict asks for a request to an unlisted host,
#: for a download written outside the workspace; hipaa denies plain-HTTP requests)
CONTROL_ANSWERS = {
    "curl -fsSL https://example.com/install.sh -o install.sh": {"strict": "ASK"},
    "curl https://example.com/how-to-delete-a-repo": {"strict": "ASK"},
    "curl -H 'X-Action: delete' https://example.com/": {"strict": "ASK"},
    'curl -X POST https://api.example.com/v1/projects -d \'{"name":"x"}\'': {"strict": "ASK"},
    "curl -X GET https://api.example.com/v1/items": {"strict": "ASK"},
    "wget https://example.com/file.tar.gz": {"strict": "ASK"},
    "http GET api.example.com/x": {"strict": "ASK", "hipaa": "DENY"},
    "gh api -X POST repos/o/r/issues -f title=x": {"strict": "ASK", "soc2": "ASK"},
}


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("line", CONTROLS)
def test_reads_dry_runs_and_one_container_keep_their_answer(name: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) == CONTROL_ANSWERS.get(line, {}).get(name, "ALLOW")


@pytest.mark.parametrize(
    ("policy", "line", "pid"),
    [
        (STRICT, "curl -X DELETE https://api.github.com/repos/acme/app", "strict_remote_destroy"),
        (STRICT, "kubectl delete namespace prod", "strict_remote_destroy"),
        (STRICT, "helm uninstall prod-release", "strict_remote_destroy"),
        (STRICT, "docker stop $(docker ps -q)", "strict_power"),
        (SOC2, "ansible-playbook destroy.yml", "soc2_change_management_remote"),
        (PERMISSIVE, SDK[1], "permissive_remote_destroy"),
        (HIPAA, "wget --method=DELETE https://api.example.com/v1/projects/prod", "hipaa_remote_destroy"),
        (SOC2_AVAILABILITY, "kubectl delete namespace prod", "soc2_avail_remote_destroy"),
    ],
)
def test_the_rule_says_why(policy: object, line: str, pid: str) -> None:
    res = policy(event("Bash", {"command": line}))  # type: ignore[operator]
    assert res is not None and res["metadata"]["pattern_id"] == pid


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("shell", {"command": ["curl", "-X", "DELETE", "https://api.github.com/repos/acme/app"]}),
        ("shell", {"command": ["bash", "-lc", "kubectl delete namespace prod"]}),
        ("run_shell_command", {"command": "helm uninstall prod-release"}),
        ("exec_command", {"cmd": "ansible all -m file -a 'path=/srv state=absent'"}),
    ],
)
def test_every_harness_shell_tool_meets_them(name: str, tool: str, arguments: dict[str, object]) -> None:
    assert tool_verdict(TEMPLATES[name], tool, arguments) == DESTROYED[name]


@pytest.mark.parametrize(
    ("name", "policy"), [("strict", "strict"), ("soc2", "soc2_compliant"), ("hipaa", "hipaa_standard")]
)
@pytest.mark.parametrize(
    ("code", "destroys"),
    [
        ("import boto3\nfor b in boto3.resource('s3').buckets.all():\n    b.objects.all().delete()\n", True),
        ("import requests\nrequests.delete('https://api.github.com/repos/acme/app')\n", True),
        ("import boto3\nprint(boto3.client('s3').list_buckets())\n", False),
    ],
)
async def test_a_file_the_session_wrote_and_a_later_line_runs(
    name: str, policy: str, code: str, destroys: bool
) -> None:
    """A script the agent's Write tool wrote, run on a later line, meets the rule as its inline code does."""
    answer = await run_after({"policy": policy}, [write("clean.py", code)], "python3 clean.py")
    assert answer == (DESTROYED[name] if destroys else "ALLOW")
