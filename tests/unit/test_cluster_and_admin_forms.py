"""Cluster, configuration-management and Windows administration commands the session templates
judged too loosely (issue 13, twenty-seventh sitting).

* A workload's spec printed (``kubectl get pod web -o yaml``, ``kubectl describe pod web``, a
  deployment's, statefulset's, job's, cronjob's or ConfigMap's; ``helm get values``) holds its
  environment's literal values: read as the whole environment is read (``kubectl exec web -- env``):
  denied where a secret in the environment is (strict, soc2_compliant, hipaa_standard).
* A change to a live cluster (``kubectl set image``/``serviceaccount``, ``apply``, ``patch``,
  ``scale``, ``delete``…, ``helm install``/``upgrade``/``rollback``; not ``--dry-run``): ``strict``
  asks (a change outside the workspace), ``soc2_compliant`` holds it for approval (change
  management); ``hipaa_standard`` and ``permissive`` allow it as before.
* Configuration management run as root (``ansible-playbook -b``, ``puppet apply``, ``chef-client``,
  salt state runs) is privilege, as ``sudo`` is under each template.
* Windows' administration programs named on a POSIX line without ``.exe`` (Git Bash, WSL), any case,
  with ``-x`` or ``//x`` switches or a full path, are read as cmd reads them: as their ``.exe`` is.
"""

from __future__ import annotations

import re

import pytest
import yaml

from goalrail.patterns.templates._base import CLUSTER_CHANGE
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

TEMPLATES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

SPEC_READS = [
    "kubectl describe pod web",
    "kubectl get pod web -o yaml",
    "kubectl get pods -o json",
    "kubectl -n prod get deploy/web -ojson",
    "kubectl get -o yaml statefulset db",
    "kubectl get cm app-config -o yaml",
    "kubectl get deployments.apps web --output=yaml",
    "kubectl get pod web -o jsonpath='{.spec.containers[*].env}'",
    "kubectl --context prod get cronjob/nightly -o yaml",
    "kubectl describe job migrate",
    "oc describe dc/web",
    "/usr/local/bin/kubectl describe deployments.apps web",
    "bash -c 'kubectl get po web -o yaml'",
    "ssh bastion kubectl get pod web -o yaml",
    "helm get values web",
    "helm get all web -n prod",
]
READ_CONTROLS = [
    "kubectl get pods",
    "kubectl logs web",
    "kubectl describe node n1",
    "kubectl get deploy -o wide",
    "kubectl get pods -o name",
    "kubectl get pod web -o jsonpath='{.status.phase}'",
    "kubectl get pods -o custom-columns=NAME:.metadata.name",
    "kubectl get svc -o yaml",
    "kubectl describe secret db",
    "helm list",
    "helm get notes web",
]


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("line", SPEC_READS)
def test_a_workloads_spec_is_read_as_its_environment(name: str, line: str) -> None:
    """As ``kubectl exec web -- env`` is judged (DENY but under permissive, which allows it)."""
    policy = TEMPLATES[name]
    assert (
        verdict(policy, line)
        == verdict(policy, "kubectl exec web -- env")
        == ("ALLOW" if name == "permissive" else "DENY")
    )


CHANGES = [
    "kubectl set serviceaccount deploy/web admin",
    "kubectl set image deploy/web web=evil:latest",
    "oc set image dc/web web=evil:latest",
    "kubectl apply -f k8s/",
    "kubectl apply --dry-run=none -f k8s/",
    'kubectl patch deploy web -p \'{"spec":{"replicas":0}}\'',
    "kubectl edit deploy web",
    "kubectl scale deploy web --replicas=0",
    "kubectl rollout undo deploy/web",
    "kubectl rollout restart deploy/web",
    "kubectl label pod web tier=x",
    "kubectl annotate deploy web x=y",
    "kubectl cordon node1",
    "/usr/local/bin/kubectl -n prod scale deploy web --replicas=3",
    "k'ubectl' \"set\" image deploy/web web=evil",
    "echo $(kubectl set env deploy/web DEBUG=1)",
    "ssh bastion kubectl --context prod set image deploy/web web=evil",
    "helm upgrade web bitnami/nginx",
    "helm upgrade --install web bitnami/nginx",
    "helm rollback web 1",
]
CHANGE_CONTROLS = [
    "kubectl apply --dry-run=server -f k8s/",
    "kubectl create deploy x --image=y --dry-run=client -o yaml",
    "helm upgrade --install web bitnami/nginx --dry-run",
    "kubectl rollout status deploy/web",
    "kubectl diff -f k8s/",
    "kubectl --context prod get pods",
    "kubectl config set-context dev",
    "kubectl get pods -l app=set",
    "helm template web bitnami/nginx",
    "helm status web",
]
#: a change to a live cluster: asked by strict, held for approval by soc2, allowed by the others
CHANGE_ANSWERS = {"strict": "ASK", "soc2": "ASK", "hipaa": "ALLOW", "permissive": "ALLOW"}


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("line", CHANGES)
def test_a_change_to_a_live_cluster_follows_the_templates_change_rules(name: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) == CHANGE_ANSWERS[name]


#: a live cluster's objects deleted or a release uninstalled: a destroy outside the file system
#: (``REMOTE_DESTROY``, docs/patterns.md "Resources outside the file system"), denied by strict
DELETES = ["kubectl delete pod web", "kubectl --context prod delete pod web; ls", "helm uninstall web"]
DELETE_ANSWERS = {"strict": "DENY", "soc2": "ASK", "hipaa": "ASK", "permissive": "ASK"}


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("line", DELETES)
def test_a_deletion_in_a_live_cluster_is_a_destroy(name: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) == DELETE_ANSWERS[name]


def test_the_rule_says_why() -> None:
    """strict's own rule (a change outside the workspace), soc2's change management."""
    from tests.unit.shell_support import event

    strict = STRICT(event("Bash", {"command": "kubectl set image deploy/web web=evil"}))
    soc2 = SOC2(event("Bash", {"command": "helm rollback web 1"}))
    assert strict is not None and strict["metadata"]["pattern_id"] == "strict_cluster_change"
    assert soc2 is not None and soc2["metadata"]["pattern_id"] == "soc2_change_management_cluster"


def test_the_built_in_strict_holds_the_templates_rule() -> None:
    """``strict.yaml`` carries ``CLUSTER_CHANGE`` as written (one class, one text to keep up)."""
    from importlib.resources import files

    doc = yaml.safe_load(files("goalrail.patterns.data").joinpath("strict.yaml").read_text())
    rules = {p["id"]: p for p in doc["patterns"]}
    assert rules["strict_cluster_change"]["pattern"] == CLUSTER_CHANGE
    assert all(re.search(CLUSTER_CHANGE, line) for line in CHANGES if "'" not in line and "$" not in line)


CONFIG_RUNS = [
    "ansible-playbook -b site.yml",
    "ansible-playbook --become site.yml",
    "ansible-playbook --become-user=postgres site.yml",
    "ansible-playbook -i hosts -K site.yml",
    "ansible-playbook -vb site.yml",
    "ansible-playbook -e ansible_become=true site.yml",
    "ansible all -b -m apt -a name=nginx",
    "ansible-pull -U https://example.com/repo.git -b",
    "/usr/bin/ansible-playbook --become site.yml",
    "bash -c 'ansible-playbook -b site.yml'",
    "ssh ops ansible-playbook -b site.yml",
    "ANSIBLE_BECOME=true ansible-playbook site.yml",
    "ansible-navigator run site.yml --become",
    "puppet apply site.pp",
    "puppet agent -t",
    "chef-client -z",
    "chef-client --local-mode -o 'recipe[x]'",
    "chef-solo -c solo.rb",
    "salt-call state.apply",
    "salt-call --local state.highstate",
    "salt '*' state.apply",
]
CONFIG_CONTROLS = [
    "ansible-playbook --check site.yml",
    "ansible-playbook -i build/hosts site.yml",
    "ansible all -m ping",
    "ansible-playbook -B 30 site.yml",
    "ANSIBLE_BECOME=false ansible-playbook site.yml",
    "puppet parser validate site.pp",
    "chef-client --version",
    "salt-call test.ping",
    "salt-call grains.items",
]


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("line", CONFIG_RUNS)
def test_configuration_management_as_root_is_sudo(name: str, line: str) -> None:
    """Judged as ``sudo`` is (DENY but under hipaa_standard, which does not rule on privilege)."""
    policy = TEMPLATES[name]
    assert verdict(policy, line) == verdict(policy, "sudo true") == ("ALLOW" if name == "hipaa" else "DENY")


#: (the line as Git Bash or WSL runs it, its `.exe` twin, what strict answers)
WINDOWS = [
    (r"reg add HKLM\Software\X /v y /d z /f", r"reg.exe add 'HKLM\Software\X' /v y /d z /f", "DENY"),
    (r"REG add 'HKLM\Software\X' -v y -d z -f", r"REG.EXE add 'HKLM\Software\X' /v y /d z /f", "DENY"),
    (r"reg add HKLM\\Software\\X //v y //d z //f", r"reg.exe add 'HKLM\Software\X' /v y /d z /f", "DENY"),
    (r"/c/Windows/System32/reg add 'HKLM\Software\X' /v y /d z /f", r"reg.exe add 'HKLM\Software\X' /v y", "DENY"),
    (r"reg delete 'HKCR\exefile\shell' /f", r"reg.exe delete 'HKLM\SOFTWARE\Classes\exefile\shell' /f", "DENY"),
    (
        r"reg add 'HKEY_CLASSES_ROOT\x\shell' /ve /d y /f",
        r"reg.exe add 'HKLM\SOFTWARE\Classes\x\shell' /ve /d y /f",
        "DENY",
    ),
    (r"icacls C:\data /grant Everyone:F", r"icacls.exe 'C:\data' /grant Everyone:F", "DENY"),
    (r"ICACLS C:\data -grant Everyone:F", r"icacls.exe 'C:\data' /grant Everyone:F", "DENY"),
    (r"icacls 'C:\data' //grant 'Everyone:(OI)(CI)F' //T", r"icacls.exe 'C:\data' /grant Everyone:F /T", "DENY"),
    (r"takeown /f 'C:\data'", r"takeown.exe /f 'C:\data'", "ASK"),
    ("net user bob pw /add", "net.exe user bob pw /add", "DENY"),
    ("net localgroup administrators bob /add", "net.exe localgroup administrators bob /add", "DENY"),
    ("NET1 user bob pw /add", "net.exe user bob pw /add", "DENY"),
    ("bcdedit /set '{current}' safeboot minimal", "bcdedit.exe /set x y", "DENY"),
    ("vssadmin delete shadows /all /quiet", "vssadmin.exe delete shadows /all /quiet", "DENY"),
    ("wmic shadowcopy delete", "wmic.exe shadowcopy delete", "DENY"),
    ("format D: /q", "format.exe D: /q", "DENY"),
]
#: sc and schtasks, read now in every spelling: a service or a SYSTEM task is an administrator's
ADMIN_RUNS = [
    r"sc create evil binPath= C:\evil.exe",
    "sc.exe config WinDefend start= disabled",
    "SC delete WinDefend",
    r"schtasks /create /tn x /tr C:\evil.exe /ru SYSTEM /sc onlogon",
    "schtasks.exe -create -tn x -tr y -rl HIGHEST -sc daily",
]
WINDOWS_CONTROLS = [
    r"reg query HKCU\Software\X",
    "icacls build",
    "net view",
    "net share",
    "net user",
    "sc query WinDefend",
    "schtasks /query",
    "wmic os get caption",
]


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize(("line", "twin", "strict"), WINDOWS)
def test_a_windows_program_without_exe_is_read_as_its_exe(name: str, line: str, twin: str, strict: str) -> None:
    policy = TEMPLATES[name]
    assert verdict(policy, line) == verdict(policy, twin)
    if name == "strict":
        assert verdict(policy, line) == strict


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("line", ADMIN_RUNS)
def test_a_service_or_a_system_task_is_sudo(name: str, line: str) -> None:
    policy = TEMPLATES[name]
    rank = {"ALLOW": 0, "ASK": 1, "DENY": 2}  # (hipaa asks on a task or service that runs later: persistence)
    assert rank[verdict(policy, line)] >= rank[verdict(policy, "sudo true")]


def test_a_users_task_runs_its_command() -> None:
    """``schtasks /create /tr CMD`` as the user: CMD read as cmd runs it."""
    line = 'schtasks /create /tn x /tr "reg add HKLM\\Software\\X /v y /d z /f" /sc daily'
    assert verdict(STRICT, line) == "DENY"


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("line", READ_CONTROLS + CHANGE_CONTROLS + CONFIG_CONTROLS + WINDOWS_CONTROLS)
def test_near_misses_keep_their_decision(name: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) == "ALLOW"
