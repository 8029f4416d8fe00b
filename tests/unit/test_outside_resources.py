"""What lives outside the workspace and outside the file system, under the session templates
(issue 13, twenty-eighth sitting): cloud resources, infrastructure, platforms' apps, repositories
and releases, published packages, containers, images and volumes destroyed or changed; the host
powered off or every process killed; a repository's history lost or a remote's rewritten.  All
were ALLOW under every template but ``read_only``.

Each template follows its treatment of the file system (docs/patterns.md, "Resources outside
the file system"):

* ``strict``: destroyed is DENY (a deletion outside the workspace), changed is ASK (a write
  outside it), power and every-process kills DENY, a remote's history rewritten or deleted DENY,
  local history discarded ASK (a batch delete in the workspace).
* ``soc2_compliant``: every one of them but local history held for approval (change management);
  with ``availability`` a destroy and power are DENY.
* ``permissive``: asks before the catastrophic only (destroyed; power and every-process kills).
* ``hipaa_standard``: a destroy is asked (it may hold PHI and its backups); it does not rule on
  changes, power or history, nor on privilege.
* ``read_only``: nothing changes (already DENY).
"""

from __future__ import annotations

import re

import pytest
import yaml

from goalrail.patterns.templates._remote import (
    HISTORY_LOSS,
    HISTORY_REWRITE,
    POWER_KILL,
    REMOTE_CHANGE,
    REMOTE_DESTROY,
    not_words,
)
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import HIPAA, PERMISSIVE, READ_ONLY, SOC2, STRICT, event, verdict

SOC2_AVAILABILITY = pattern_policy(policy="soc2_compliant", criteria=["availability"])
TEMPLATES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

DESTROY = [
    "terraform destroy -auto-approve",
    "terraform -chdir=infra destroy -auto-approve",
    "tofu destroy",
    "terragrunt run-all destroy --terragrunt-non-interactive",
    "terraform apply -destroy -auto-approve",
    "terraform state rm aws_instance.web",
    "terraform workspace delete prod",
    "pulumi destroy --yes",
    "pulumi stack rm prod --yes",
    "cdk destroy --force",
    "serverless remove --stage prod",
    "sam delete --no-prompts",
    "eksctl delete cluster --name prod",
    "aws s3 rm s3://b --recursive",
    "aws s3 rb s3://b --force",
    "aws --profile prod ec2 terminate-instances --instance-ids i-1",
    "aws rds delete-db-instance --db-instance-identifier db --skip-final-snapshot",
    "aws s3api delete-bucket --bucket b",
    "aws dynamodb delete-table --table-name t",
    "aws s3 sync . s3://b --delete",
    "gcloud projects delete p",
    "gcloud compute instances delete vm1 --quiet",
    "gcloud sql instances delete db -q",
    "gcloud storage rm -r gs://b",
    "gsutil -m rm -r gs://b",
    "gsutil rb gs://b",
    "gsutil -m rsync -r -d . gs://b",
    "az group delete -n rg --yes",
    "az vm delete -g rg -n vm --yes",
    "az storage account delete -n sa -y",
    "doctl compute droplet delete web -f",
    "linode-cli linodes delete 123",
    "hcloud server delete web",
    "oci compute instance terminate --instance-id x --force",
    "ibmcloud is instance-delete web -f",
    "scw instance server delete 11111111-1111-1111-1111-111111111111",
    "exo compute instance delete web -f",
    "rclone purge remote:bucket",
    "rclone sync ./out remote:bucket",
    "heroku apps:destroy --app web --confirm web",
    "heroku pg:reset DATABASE_URL --confirm web",
    "flyctl apps destroy web -y",
    "fly volumes destroy vol_1",
    "vercel remove web --yes",
    "netlify sites:delete 1234",
    "railway down",
    "firebase firestore:delete --all-collections",
    "wrangler r2 bucket delete b",
    "supabase projects delete ref",
    "gh repo delete o/r --yes",
    "gh release delete v1 -y",
    "gh api -X DELETE repos/o/r",
    "gh api --method DELETE repos/o/r/git/refs/heads/main",
    "glab repo delete o/r",
    "npm unpublish pkg --force",
    "npm unpublish pkg@1.0.0",
    "pnpm unpublish pkg",
    "npm dist-tag rm pkg latest",
    "cargo yank --version 1.0.0",
    "gem yank pkg -v 1.0.0",
    "dotnet nuget delete Pkg 1.0.0",
    "docker system prune -af",
    "docker system prune --all --volumes --force",
    "docker rm -f $(docker ps -aq)",
    "docker ps -aq | xargs docker rm -f",
    "docker rmi -f img",
    "docker image prune -a -f",
    "docker volume prune -f",
    "docker volume rm data",
    "docker container prune",
    "docker network rm n",
    "docker --context prod rm -f web",
    "docker compose down -v",
    "docker compose -f prod.yml down --volumes --rmi all",
    "docker-compose down -v",
    "podman rm -af",
    "podman volume prune -f",
    "podman system reset -f",
    "nerdctl rm -f web",
    "crontab -r",
    "crontab -u bob -r",
    # the wrappers the shell analysis knows
    "env AWS_PROFILE=prod aws s3 rm s3://b --recursive",
    "/usr/local/bin/terraform destroy -auto-approve",
    "sh -c 'terraform destroy -auto-approve'",
    'bash -c "gcloud projects delete p --quiet"',
    "cd infra && terraform destroy -auto-approve",
    "ssh ops 'docker volume prune -f'",
    "echo $(gh repo delete o/r --yes)",
    "nohup pulumi destroy --yes &",
    "timeout 60 az group delete -n rg --yes",
    "t'erraform' \"destroy\" -auto-approve",
    "echo 'terraform destroy -auto-approve' > x.sh && sh x.sh",
    "npx cdk destroy --force",
    "bunx wrangler delete",
    '''python3 -c "import os; os.system('terraform destroy -auto-approve')"''',
    "find . -name x | xargs -r docker rmi",
    "time terraform destroy -auto-approve",
    "env -i gh repo delete o/r --yes",
    "aws --region us-east-1 s3 rb s3://b",
    "gcloud alpha projects delete p",
]
CHANGE = [
    "terraform apply -auto-approve",
    "terraform apply tfplan",
    "tofu apply",
    "terragrunt run-all apply",
    "terraform import aws_instance.web i-1",
    "terraform taint aws_instance.web",
    "pulumi up --yes",
    "pulumi refresh --yes",
    "cdk deploy --all --require-approval never",
    "cdktf deploy",
    "serverless deploy --stage prod",
    "sam deploy --no-confirm-changeset",
    "eksctl create cluster -f c.yaml",
    "aws ec2 run-instances --image-id ami-1",
    "aws s3 mb s3://b",
    "aws iam attach-role-policy --role-name r --policy-arn x",
    "aws lambda update-function-code --function-name f --zip-file fileb://f.zip",
    "aws ecs update-service --cluster c --service s --force-new-deployment",
    "aws cloudformation deploy --template-file t.yml --stack-name s",
    "gcloud compute instances create vm1",
    "gcloud run deploy web --image gcr.io/p/web",
    "gcloud app deploy",
    "gcloud functions deploy f --runtime python311",
    "gcloud projects add-iam-policy-binding p --member user:x --role roles/owner",
    "az vm create -g rg -n vm --image Ubuntu2204",
    "az webapp deploy -g rg -n web --src-path app.zip",
    "doctl compute droplet create web --size s-1vcpu-1gb",
    "hcloud server create --name web --type cx11",
    "heroku config:set X=1 -a web",
    "heroku scale web=0 -a web",
    "flyctl deploy",
    "fly secrets set X=1",
    "vercel deploy --prod",
    "vercel --prod",
    "netlify deploy --prod",
    "railway up",
    "firebase deploy --only hosting",
    "wrangler deploy",
    "supabase db push",
    "gh repo edit o/r --visibility public",
    "gh repo archive o/r -y",
    "gh release create v1 dist/app.tar.gz",
    "gh secret set TOKEN --body x",
    "gh pr merge 12 --admin --squash",
    "gh workflow run deploy.yml",
    "gh api -X PATCH repos/o/r -f private=false",
    "npm publish",
    "npm publish --access public",
    "pnpm publish --no-git-checks",
    "yarn npm publish",
    "npm deprecate pkg@1 'gone'",
    "cargo publish",
    "gem push pkg-1.0.0.gem",
    "poetry publish --build",
    "uv publish",
    "mvn deploy",
    "docker push registry.example.com/web:latest",
    "docker compose down",
    "docker service update --image web:2 web",
    "bash -c 'terraform apply -auto-approve'",
]
POWER = [
    "shutdown -h now",
    "shutdown -r +1",
    "reboot",
    "/sbin/reboot -f",
    "halt -p",
    "poweroff",
    "systemctl poweroff",
    "systemctl reboot --force",
    "systemctl -i halt",
    "systemctl kexec",
    "systemctl isolate rescue.target",
    "systemctl suspend",
    "loginctl poweroff",
    "init 0",
    "telinit 6",
    "kill -9 -1",
    "kill -KILL -1",
    "kill -s KILL -1",
    "kill --signal KILL -1",
    "kill -- -1",
    "kill -9 1",
    "killall5 -9",
    "sh -c 'kill -9 -1'",
    "nohup reboot &",
    "ls; shutdown now",
    "command reboot",
    "exec shutdown now",
    "kill -SIGKILL -1",
    "kill -s 9 -1",
    "kill -KILL 1",
    "kill -s SIGKILL 1",
    "systemctl --no-wall poweroff",
]
REWRITE = [
    "git push --force",
    "git push -f origin main",
    "git push origin main --force",
    "git push --force-with-lease origin main",
    "git push --force-if-includes origin main",
    "git push origin +main",
    "git push origin +HEAD:main",
    "git push --delete origin main",
    "git push -d origin v1",
    "git push origin :main",
    "git push origin :refs/tags/v1",
    "git push --mirror backup",
    "git push --prune origin 'refs/heads/*:refs/heads/*'",
    "git -C repo push -f",
    "git -c core.quotepath=off push --force",
    "sh -c 'git push -f'",
    "cd repo && git push --force origin main",
    "git push origin HEAD --force",
    "git -C x push --delete origin main",
]
LOSS = [
    "git reset --hard HEAD~5",
    "git reset --hard origin/main",
    "git reset -q --hard",
    "git branch -D main",
    "git branch -d -f feature",
    "git branch --delete --force feature",
    "git branch -df feature",
    "git reflog expire --expire=now --all",
    "git reflog delete HEAD@{1}",
    "git gc --prune=now --aggressive",
    "git filter-branch --msg-filter cat HEAD",
    "git filter-repo --path secret --invert-paths",
    "git update-ref -d refs/heads/main",
    "git stash clear",
    "git -C repo reset --hard",
]
#: listings, reads, plans, help: ALLOW under every template but read_only (which allows only its readers)
CONTROLS = [
    "aws s3 ls",
    "aws s3 ls s3://b --recursive",
    "aws ec2 describe-instances",
    "aws deploy list-applications",
    "aws sts get-caller-identity",
    "aws s3 rm help",
    "aws logs tail /aws/lambda/f",
    "gcloud compute instances list",
    "gcloud run services list",
    "gcloud projects describe p",
    "gcloud help compute instances delete",
    "gcloud compute instances delete --help",
    "gsutil ls gs://b",
    "az group list",
    "az vm show -g rg -n vm",
    "az group delete --help",
    "doctl compute droplet list",
    "terraform plan",
    "terraform plan -destroy",
    "terraform destroy --help",
    "terraform destroy -help",
    "terraform -help",
    "terraform show",
    "terraform state list",
    "terraform fmt",
    "terraform init",
    "terraform validate",
    "tofu plan",
    "pulumi preview",
    "pulumi stack ls",
    "pulumi destroy --help",
    "cdk diff",
    "cdk synth",
    "heroku logs --tail -a web",
    "heroku apps",
    "flyctl status",
    "vercel ls",
    "gh repo view o/r",
    "gh release list",
    "gh pr list",
    "gh pr view 12",
    "gh pr create --fill",
    "gh api repos/o/r",
    "gh repo delete --help",
    "npm view pkg",
    "npm install",
    "npm run deploy",
    "npm publish --help",
    "pnpm deploy --filter=web out",
    "cargo build",
    "docker ps",
    "docker ps -aq",
    "docker images",
    "docker volume ls",
    "docker run --rm alpine echo hi",
    "docker build -t web .",
    "docker compose up -d",
    "docker compose ps",
    "docker compose logs web",
    "docker logs web",
    "podman ps -a",
    "docker rm --help",
    "crontab -l",
    "git log",
    "git status",
    "git push",
    "git push origin main",
    "git push -u origin feature",
    "git push --set-upstream origin feature",
    "git push origin feature:feature",
    "git push --tags",
    "git push --follow-tags",
    "git fetch --prune",
    "git reset --soft HEAD~1",
    "git reset HEAD file.txt",
    "git branch -d merged",
    "git branch -a",
    "git stash list",
    "git reflog",
    "git gc",
    "git log --grep=reboot",
    "grep -r reboot /var/log/syslog",
    "echo shutdown",
    "man shutdown",
    "kill 1234",
    "kill -9 1234",
    "kill -1 1234",
    "kill %1",
    "pkill -f myserver",
    "systemctl status nginx",
    "systemctl --user restart app",
    "journalctl -b -1",
    "uptime",
    "ls terraform destroy",
    # uploads are the upload readers' (what is sent), a stack deployed the compose rules', init
    # asked to stop may ignore it
    "aws s3 cp build/ s3://b/ --recursive",
    "aws s3 sync dist s3://b",
    "gsutil cp out.tar gs://b/",
    "twine upload dist/pkg-1.0-py3-none-any.whl",
    "gh release upload v1 dist/app.tar.gz",
    "az storage blob upload -f README.md -c c",
    "docker stack deploy -c stack.yml web",
    "podman kube down pod.yaml",
    "kill 1",
    "kill -15 1",
    # a command carried to another machine meets the rules as ``ssh host CMD`` does
    "gcloud compute ssh vm --command 'ls'",
    "aws ssm start-session --target i-1",
    "fly ssh console -C 'uptime'",
    "heroku run 'ls' -a app",
]

#: (class, lines, the answer per template)
CLASSES = {
    "destroy": (DESTROY, {"strict": "DENY", "soc2": "ASK", "hipaa": "ASK", "permissive": "ASK"}),
    "change": (CHANGE, {"strict": "ASK", "soc2": "ASK", "hipaa": "ALLOW", "permissive": "ALLOW"}),
    "power": (POWER, {"strict": "DENY", "soc2": "ASK", "hipaa": "ALLOW", "permissive": "ASK"}),
    "rewrite": (REWRITE, {"strict": "DENY", "soc2": "ASK", "hipaa": "ALLOW", "permissive": "ALLOW"}),
    "loss": (LOSS, {"strict": "ASK", "soc2": "ALLOW", "hipaa": "ALLOW", "permissive": "ALLOW"}),
}
CASES = [(kind, line) for kind, (lines, _answers) in CLASSES.items() for line in lines]


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize(("kind", "line"), CASES)
def test_each_template_answers_the_class_as_its_file_rules(name: str, kind: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) == CLASSES[kind][1][name]


@pytest.mark.parametrize(("kind", "line"), CASES)
def test_read_only_changes_nothing(kind: str, line: str) -> None:
    assert verdict(READ_ONLY, line) == "DENY"


@pytest.mark.parametrize("line", DESTROY + POWER)
def test_soc2_availability_blocks_a_destroy_and_power(line: str) -> None:
    assert verdict(SOC2_AVAILABILITY, line) == "DENY"


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("line", CONTROLS)
def test_listings_reads_plans_and_help_keep_their_decision(name: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) == "ALLOW"


@pytest.mark.parametrize(
    ("policy", "line", "pid"),
    [
        (STRICT, "terraform destroy -auto-approve", "strict_remote_destroy"),
        (STRICT, "pulumi up --yes", "strict_remote_change"),
        (STRICT, "shutdown -h now", "strict_power"),
        (STRICT, "git push -f", "strict_history_rewrite"),
        (STRICT, "git reset --hard HEAD~5", "strict_history_loss"),
        (SOC2, "az group delete -n rg --yes", "soc2_change_management_remote"),
        (SOC2, "reboot", "soc2_change_management_power"),
        (SOC2, "git push origin :main", "soc2_change_management_history"),
        (PERMISSIVE, "docker volume prune -f", "permissive_remote_destroy"),
        (PERMISSIVE, "kill -9 -1", "permissive_power"),
        (HIPAA, "aws rds delete-db-instance --db-instance-identifier db", "hipaa_remote_destroy"),
    ],
)
def test_the_rule_says_why(policy: object, line: str, pid: str) -> None:
    res = policy(event("Bash", {"command": line}))  # type: ignore[operator]
    assert res is not None and res["metadata"]["pattern_id"] == pid


def test_the_built_in_yaml_holds_the_templates_texts() -> None:
    """``strict.yaml`` and ``permissive.yaml`` carry the class texts as written (one text to keep up)."""
    from importlib.resources import files

    def rules(name: str) -> dict[str, str]:
        doc = yaml.safe_load(files("goalrail.patterns.data").joinpath(f"{name}.yaml").read_text())
        return {p["id"]: p["pattern"] for p in doc["patterns"]}

    strict, permissive = rules("strict"), rules("permissive")
    assert strict["strict_remote_destroy"] == permissive["permissive_remote_destroy"] == REMOTE_DESTROY
    assert strict["strict_power"] == permissive["permissive_power"] == POWER_KILL
    assert strict["strict_remote_change"] == REMOTE_CHANGE
    assert strict["strict_history_rewrite"] == HISTORY_REWRITE
    assert strict["strict_history_loss"] == HISTORY_LOSS


@pytest.mark.parametrize(
    "words", [("help", "-help", "--help", "-h"), ("--dry-run",), ("a", "ab", "b-c")], ids=["help", "dry", "nested"]
)
def test_not_words_is_every_other_word(words: tuple[str, ...]) -> None:
    rx = re.compile(f"({not_words(*words)})")
    near = ["x", "-", "--", "h", "he", "helpx", "-hx", "--helpme", "--dry", "--dry-runs", "a-", "abc", "b", "b-"]
    for w in [*words, *near]:
        assert (rx.fullmatch(w) is not None) == (w not in words), w
    assert rx.fullmatch("'x") is None


def test_the_programs_are_the_rules_keys_for_the_option_spellings() -> None:
    """The rules' factors (``_option_rules``) are the programs and their space, not their verbs:
    ``tar --delete``, ``cp --update`` get no spellings for them."""
    from goalrail.policies.builtins._option_rules import factors, option_rules
    from goalrail.policies.builtins._shell_readings import line_readings

    for rule in (REMOTE_DESTROY, REMOTE_CHANGE):
        found = factors(rule)
        assert found is not None
        assert {t for t, _b, _a in found if not t.endswith(" ")} <= {"dotnet", "vercel", "yarn"}
    told = option_rules((REMOTE_DESTROY, REMOTE_CHANGE))
    for line in ("tar -czf /tmp/src.tgz src/", "tar --delete -f a.tar x", "cp --update a b", "sort -o out in"):
        assert line_readings(line).told(told.wanted) == (), line


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize(
    "carrier",
    [
        "gcloud compute ssh vm --command {}",
        "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts {}",
        "aws ssm send-command --document-name AWS-RunShellScript --parameters commands={}",
        "fly ssh console -C {}",
        "fly machine exec 148e1234 {}",
        "heroku run:detached -a app -- {}",
    ],
)
def test_a_carried_command_meets_the_rules_as_ssh_host_cmd(name: str, carrier: str) -> None:
    for command in ("terraform destroy -auto-approve", "ls -la", "rm -rf /", "docker volume prune -f"):
        quoted = "'" + command + "'"
        assert verdict(TEMPLATES[name], carrier.format(quoted)) == verdict(TEMPLATES[name], f"ssh host {quoted}")
