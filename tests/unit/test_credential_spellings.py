"""Credential stores and credential variables, in the spellings the store list alone does not see.

* A store moved by a variable is read through it: ``cat $KUBECONFIG``, ``cat
  "$GOOGLE_APPLICATION_CREDENTIALS"``, ``cat $DOCKER_CONFIG/config.json`` meet the store rules as
  ``cat ~/.kube/config`` does (and stay a file named at run time for a policy without them).
* A store read on another host or in a container lands in the agent's context all the same:
  ``ssh host cat ~/.git-credentials``, ``docker exec c cat /root/.docker/config.json``, ``kubectl
  exec pod -- cat /var/run/secrets/…/token``, ``scp host:~/.ssh/id_rsa .``, ``kubectl cp
  pod:/root/.aws/credentials .``.  That host's other files meet no rule here (``ssh host cat
  /etc/os-release``).
* A ``Grep`` of a whole directory reads every file under it, as ``grep -r x DIR`` does, and meets the
  secret rules the same way (``Grep {path: ~}`` is asked where ``grep -r password ~`` is).
* A credential variable is named by what holds the credential: ``GITHUB_TOKEN``, ``DB_PASS``,
  ``MYSQL_PWD``, ``BASIC_AUTH`` are denied; ``GIT_AUTHOR_NAME``, ``OAUTH_CALLBACK_URL``, ``PWD``
  are not.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
import yaml

from goalrail.patterns.templates._base import ENV_SECRETS

from .shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, tool_verdict, verdict

PROMISING = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA}


def _all(command: str) -> dict[str, str]:
    return {name: verdict(policy, command) for name, policy in PROMISING.items()}


# --- stores named by a variable -------------------------------------------------------------

VARIABLE_READS = [
    "cat $KUBECONFIG",
    'cat "$KUBECONFIG"',
    "cat ${KUBECONFIG}",
    'cat "$GOOGLE_APPLICATION_CREDENTIALS"',
    "cat $DOCKER_CONFIG/config.json",
    'cat "${DOCKER_CONFIG}/config.json"',
    "cat $AWS_SHARED_CREDENTIALS_FILE",
    "cat $PGPASSFILE",
    "cat $NPM_CONFIG_USERCONFIG",
    "cat $CLOUDSDK_CONFIG/credentials.db",
    "cat $AZURE_CONFIG_DIR/accessTokens.json",
    "head -5 $GNUPGHOME/private-keys-v1.d/x.key",
    "base64 $GH_CONFIG_DIR/hosts.yml",
    "cp $GOOGLE_APPLICATION_CREDENTIALS /tmp/x",
    "grep -r token $CLOUDSDK_CONFIG",
    "tar -czf x.tgz $DOCKER_CONFIG",
    "less $RCLONE_CONFIG",
    "cat $NETRC",
    "wc -c < $KUBECONFIG",
    'base64 < "$PGPASSFILE"',
    "cat ${GNUPGHOME}/private-keys-v1.d/*",
]


@pytest.mark.parametrize("command", VARIABLE_READS)
def test_a_store_named_by_its_variable_is_the_store(command: str) -> None:
    assert set(_all(command).values()) == {"DENY"}


@pytest.mark.parametrize("command", ["cat $KUBECONFIG", "cat $DOCKER_CONFIG/config.json"])
def test_a_store_variable_stays_a_file_named_at_run_time_where_the_store_is_not_ruled(command: str) -> None:
    assert verdict(PERMISSIVE, command) == verdict(PERMISSIVE, "cat $MYFILE") == "ASK"


@pytest.mark.parametrize(
    "command", ["cat $MYFILE", "cat $KUBECONFIGX", "cat $AWS_CONFIG_FILE", "cat $GIT_CONFIG_GLOBAL"]
)
def test_other_variables_are_asked_as_before(command: str) -> None:
    assert verdict(STRICT, command) == "ASK"


@pytest.mark.parametrize("command", ["ls $KUBECONFIG", "echo $KUBECONFIG", "ls $GNUPGHOME", "echo $HOME"])
def test_naming_a_store_variable_without_reading_it_is_allowed(command: str) -> None:
    assert verdict(STRICT, command) == "ALLOW"


# --- stores read elsewhere ------------------------------------------------------------------

REMOTE_READS = [
    "ssh host cat ~/.git-credentials",
    "ssh host 'cat ~/.aws/credentials'",
    "ssh -p 2222 -i key.pem deploy@host cat .netrc",
    "ssh host 'cd ~/.aws && cat credentials'",
    "ssh host 'tar -cf - ~/.kube' > kube.tar",
    "autossh -M 0 host head ~/.pgpass",
    "ssh host ssh inner cat ~/.docker/config.json",
    "scp host:~/.ssh/id_rsa .",
    "scp -P 22 host:~/.pgpass /tmp/x",
    "rsync host:~/.aws/ .",
    "rsync -av host:.config/gcloud/ ./g",
    "docker exec c cat /root/.docker/config.json",
    "docker exec -it c bash -c 'cat ~/.git-credentials'",
    "podman exec c cat /root/.pgpass",
    "docker cp c:/root/.docker/config.json .",
    "kubectl exec pod -- cat /var/run/secrets/kubernetes.io/serviceaccount/token",
    "kubectl exec -it pod -c app -- cat /root/.kube/config",
    "kubectl -n prod exec deploy/api -- sh -c 'cat /run/secrets/db_password'",
    "kubectl cp pod:/root/.ssh/id_rsa .",
    "kubectl cp ns/pod:/root/.aws/credentials ./creds",
    "mosh host -- cat ~/.aws/credentials",
    "docker compose exec app cat /root/.docker/config.json",
    "oc exec pod -- cat /root/.kube/config",
    "podman cp c:/root/.pgpass .",
]


@pytest.mark.parametrize("command", REMOTE_READS)
def test_a_store_read_elsewhere_is_a_store_read(command: str) -> None:
    assert set(_all(command).values()) == {"DENY"}


@pytest.mark.parametrize(
    "command",
    [
        "ssh host ls",
        "ssh host ls ~/.aws",
        "ssh host cat /etc/os-release",
        "ssh host 'cat /var/log/app.log | tail'",
        "ssh host git pull",
        "kubectl exec pod -- ls",
        "kubectl exec pod -- cat /app/README.md",
        "docker exec c cat /etc/hostname",
        "kubectl cp pod:/app/log.txt /tmp/log.txt",  # (into ./: a write outside strict's workspace, asked as scp's is)
        "scp ./build.tar host:/tmp/",
    ],
)
def test_ordinary_remote_work_is_not_a_store_read(command: str) -> None:
    assert verdict(STRICT, command) == "ALLOW"
    assert verdict(SOC2, command) == "ALLOW"


# --- a search of a whole directory ------------------------------------------------------------

SEARCHES = ["/home/dev", "/home/dev/", "~", "..", "/", "/home/dev/.config", "/etc", "/home/dev/app", ".", "/tmp"]


@pytest.mark.parametrize("path", SEARCHES)
@pytest.mark.parametrize("policy", [STRICT, SOC2, PERMISSIVE], ids=["strict", "soc2", "permissive"])
def test_a_grep_of_a_directory_is_judged_as_grep_r(path: str, policy: Any) -> None:
    tool = tool_verdict(policy, "Grep", {"pattern": "password", "path": path})
    assert tool == verdict(policy, f"grep -r password {path}")


@pytest.mark.parametrize("tool", ["Grep", "grep_search", "search_file_content"])
def test_a_search_of_the_home_directory_reads_its_secrets(tool: str) -> None:
    assert tool_verdict(STRICT, tool, {"pattern": "password", "path": "/home/dev"}) == "DENY"
    assert tool_verdict(SOC2, tool, {"pattern": "password", "dir_path": "~"}) == "DENY"


@pytest.mark.parametrize(
    "arguments",
    [
        {"pattern": "TODO"},
        {"pattern": "TODO", "path": "/home/dev/app"},
        {"pattern": "TODO", "path": "src"},
        {"pattern": "TODO", "path": "/home/dev", "glob": "*.py"},
        {"pattern": "TODO", "path": "/home/dev", "type": "py"},
    ],
)
def test_a_search_in_the_project_or_narrowed_by_a_glob_is_allowed(arguments: dict[str, str]) -> None:
    assert tool_verdict(STRICT, "Grep", arguments) == "ALLOW"


# --- credential-named variables -------------------------------------------------------------

SECRET_NAMES = [
    "GITHUB_TOKEN",
    "OAUTH_TOKEN",
    "AUTH_TOKEN",
    "X_API_KEY",
    "API_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "CLIENT_SECRET_2",
    "DB_PASSWORD",
    "PGPASSWORD",
    "DB_PASS",
    "SMTP_PASS_FILE",
    "MYSQL_PWD",
    "DB_PWD",
    "GPG_PASSPHRASE",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "SSH_PRIVATE_KEY",
    "BASIC_AUTH",
    "HTTP_AUTH",
    "OAUTH",
    "HTTP_AUTHORIZATION",
    "DOCKER_AUTH_CONFIG",
    "PROXY_AUTH_HEADER",
    "npm_config__auth",
]
PLAIN_NAMES = [
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "OAUTH_CALLBACK_URL",
    "OAUTH_REDIRECT_URI",
    "AUTH_URL",
    "AUTH0_DOMAIN",
    "NEXTAUTH_URL",
    "PWD",
    "OLDPWD",
    "GIT_ASKPASS",
    "BYPASS_CACHE",
    "COMPASS_HOME",
    "HOME",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_a_credential_variable_is_denied(name: str) -> None:
    assert set(_all(f"echo ${name}").values()) == {"DENY"}
    assert verdict(STRICT, f"printenv {name}") == "DENY"


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_a_variable_that_only_mentions_authentication_is_allowed(name: str) -> None:
    assert set(_all(f"echo ${name}").values()) == {"ALLOW"}
    assert verdict(STRICT, f'git commit -m "by ${{{name}}}"') == "ALLOW"


def test_strict_holds_the_templates_credential_variable_rule() -> None:
    text = resources.files("goalrail.patterns").joinpath("data/strict.yaml").read_text(encoding="utf-8")
    rules = {p["id"]: p["pattern"] for p in yaml.safe_load(text)["patterns"]}
    assert rules["strict_env_secrets"] == ENV_SECRETS
    assert re.fullmatch(ENV_SECRETS, "API_KEY")  # the policy reference's example of an env_read


# --- what git prints --------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["git credential-store get", "git credential fill", "git credential-cache get"])
def test_git_credential_helpers_read_the_store(command: str) -> None:
    assert set(_all(command).values()) == {"DENY"}


@pytest.mark.parametrize(
    "command", ["git remote -v", "git config --get remote.origin.url", "git config --get credential.helper"]
)
def test_git_remote_urls_are_not_a_store_read(command: str) -> None:
    assert verdict(STRICT, command) == "ALLOW"
