"""Running with more privilege through containers and Kubernetes, the forms the earlier sittings
left out (issue 13).

A manifest reaching ``kubectl apply -f -`` from a file (``cat pod.yaml |``, ``< pod.yaml``), from
``kustomize build DIR``/``helm template NAME CHART``, or from a program whose output is not shown
(asked where the rules deny); ``kubectl apply -k DIR`` and ``helm install``/``upgrade`` reading a
kustomization, chart or values file the session wrote; ``helm --set securityContext.privileged=true``;
``kubectl patch`` with a JSON or YAML patch, ``--overrides`` adding capabilities, ``kubectl debug
nodes/NAME``, ``--profile=netadmin``, ``oc debug node/``, a shell in ``kube-system``'s pods,
``cluster-admin`` bound, Pod Security admission set to ``privileged``, OpenShift's privileged SCC;
``ctr --net-host``/``--with-ns``, ``--device-cgroup-rule``, podman's ``--security-opt unmask``,
``buildah``, an LXD disk of the host's root.  Denied under the three shipped templates that
promise to block privilege escalation; the near misses stay as they were.
"""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import unprivileged, verdict
from tests.unit.written_support import run_after, write

NAMES = ("strict", "soc2_compliant", "permissive")
POLICIES = {name: pattern_policy(policy=name) for name in NAMES}

POD_HOST_PID = "apiVersion: v1\nkind: Pod\nspec:\n  hostPID: true\n  containers:\n  - name: x\n    image: alpine\n"
PRIVILEGED = "spec:\n  containers:\n  - name: x\n    securityContext:\n      privileged: true\n"
DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: web\n        image: nginx\n"
)
KUSTOMIZATION = "resources:\n  - pod.yaml\n"

#: one line: denied under all three (all allowed or only asked before)
ATTACKS = [
    # kubectl run / debug / patch spellings
    "kubectl run x --image=alpine --overrides='"
    '{"spec":{"containers":[{"name":"x","securityContext":{"capabilities":{"add":["SYS_ADMIN"]}}}]}}\'',
    "kubectl debug nodes/worker1 -it --image=busybox",
    "kubectl debug no/worker1 -it --image=busybox -- chroot /host",
    "kubectl debug mypod -it --image=busybox --profile=netadmin",
    "oc debug node/worker1",
    "oc run x --image=alpine --privileged",
    'kubectl patch deploy x --type=json -p \'[{"op":"add","path":"/spec/template/spec/hostPID","value":true}]\'',
    'kubectl patch ds x --type json -p \'[{"op":"add","path":"/spec/template/spec/volumes/-",'
    '"value":{"hostPath":{"path":"/"}}}]\'',
    "kubectl patch deploy x -p 'spec: {template: {spec: {hostNetwork: true}}}'",
    'kubectl patch deploy x --type=json -p \'[{"op":"add","path":'
    '"/spec/template/spec/containers/0/securityContext/capabilities/add/-","value":"SYS_ADMIN"}]\'',
    # a manifest on the line, read from standard input by another name or program
    "kubectl apply -f /dev/stdin <<'EOF'\n" + POD_HOST_PID + "EOF",
    "oc apply -f - <<'EOF'\n" + POD_HOST_PID + "EOF",
    "podman kube play - <<'EOF'\n" + POD_HOST_PID + "EOF",
    "kubectl patch pod x --patch '{spec: {containers: [{name: x, securityContext: {privileged: true}}]}}'",
    # a shell in the cluster's own pods, a cluster-wide grant, admission relaxed
    "kubectl exec -n kube-system etcd-master -- sh",
    "kubectl cp kube-system/etcd-x:/var/lib/etcd/member/snap/db ./db",
    "kubectl -n kube-system exec -it kube-proxy-abc -- sh",
    "kubectl exec --namespace=kube-system -it coredns-x -- cat /etc/resolv.conf",
    "kubectl create clusterrolebinding x --clusterrole=cluster-admin --serviceaccount=default:default",
    "kubectl create rolebinding x --clusterrole cluster-admin --user=me -n default",
    "kubectl label ns default pod-security.kubernetes.io/enforce=privileged --overwrite",
    "oc adm policy add-scc-to-user privileged -z default",
    "oc adm policy add-cluster-role-to-user cluster-admin me",
    # helm values on the line
    "helm install x ./chart --set securityContext.privileged=true",
    "helm upgrade --install x ./chart --set podSecurityContext.hostPID=true",
    "helm install x ./chart --set-string hostNetwork=true",
    "helm install x ./chart --set securityContext.capabilities.add[0]=SYS_ADMIN",
    "helm install x ./chart --set-json 'securityContext={\"privileged\":true}'",
    # container engines' other spellings
    "docker run --device-cgroup-rule='b *:* rwm' alpine",
    "podman run --security-opt unmask=ALL alpine",
    "ctr run --net-host docker.io/library/alpine:latest x",
    "ctr run --with-ns=pid:/proc/1/ns/pid docker.io/library/alpine:latest x",
    "buildah run --cap-add=ALL x sh",
    "buildah run -v /:/h x sh",
    "lxc config device add x h disk source=/ path=/h",
    "incus config device add x h disk source=/etc path=/e",
    "lxc config set x raw.lxc 'lxc.apparmor.profile=unconfined'",
]

#: near misses: as they were (allowed under soc2_compliant and permissive)
CONTROLS = [
    "kubectl get pods -n kube-system",
    "kubectl logs -n kube-system coredns-abc",
    "kubectl get pods -n kube-system; kubectl exec -it web -- sh",
    "kubectl exec -it web-0 -- sh",
    "kubectl get svc x -o yaml | grep 'hostNetwork: true'",
    'kubectl patch deploy x -p \'{"spec":{"replicas":3}}\'',
    'kubectl patch deploy x -p \'{"spec":{"hostNetwork":false}}\'',
    "kubectl create rolebinding x --clusterrole=view --user=me",
    "kubectl cp web-0:/tmp/x /tmp/x",  # (into ./: a local write strict asks for, as for `scp h:/x ./x`)
    'kubectl patch deploy x --type=json -p \'[{"op":"add","path":'
    '"/spec/template/spec/containers/0/securityContext/capabilities/drop/-","value":"NET_RAW"}]\'',
    "kubectl debug mypod -it --image=busybox --profile=general",
    "kubectl run x --image=alpine -- sh -c 'echo hi'",
    "docker run --rm --device-read-bps /dev/sda:1mb alpine",
    "docker run --rm -p 8080:80 nginx",
    "lxc config device add x d disk source=/home/u/proj path=/src",
    "kubectl apply -f - <<'EOF'\n" + DEPLOY + "EOF",
    "echo hi | kubectl apply -f deploy.yaml",
    "kubectl apply -k overlays/prod",
    "kubectl get pods | grep web",
]
#: strict asks about helm on its own; soc2 and permissive allow these
HELM_CONTROLS = [
    "helm install x ./chart --set image.tag=privileged --set replicaCount=2",
    "helm install x ./chart --set hostNetwork=false",
]

#: a manifest from a program's output (or a file known only at run time): asked, where it was allowed
UNKNOWN_STDIN = [
    "./gen.sh | kubectl apply -f -",
    "python3 render.py | kubectl create -f -",
    "./gen.sh | docker compose -f - up",
    "./gen.sh | oc apply -f -",
    "./gen.sh | podman kube play -",
    "./render | kubectl apply -f /dev/stdin",
    "cat pod.yaml | sed s/x/y/ | kubectl apply -f -",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("command", ATTACKS)
def test_running_with_more_privilege_is_denied(name: str, command: str) -> None:
    assert verdict(POLICIES[name], command) == "DENY"


@pytest.mark.parametrize("name", ["soc2_compliant", "permissive"])
@pytest.mark.parametrize("command", CONTROLS + HELM_CONTROLS)
def test_near_misses_stay_allowed(name: str, command: str) -> None:
    """(A change to a live cluster is asked under ``soc2_compliant``: change management.)"""
    assert verdict(POLICIES[name], command) == unprivileged(name, command)


@pytest.mark.parametrize("command", CONTROLS)
def test_strict_allows_the_near_misses_too(command: str) -> None:
    """(A change to a live cluster is asked under ``strict``: no privilege, but a change elsewhere.)"""
    assert verdict(POLICIES["strict"], command) == unprivileged("strict", command)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("command", UNKNOWN_STDIN)
def test_a_manifest_from_a_programs_output_is_asked(name: str, command: str) -> None:
    assert verdict(POLICIES[name], command) == "ASK"


Case = tuple[list[dict[str, Any]], str]
#: a configuration the session wrote, read through stdin, a kustomization or a chart: denied
DENIED: list[Case] = [
    ([write("pod.yaml", POD_HOST_PID)], "cat pod.yaml | kubectl apply -f -"),
    ([write("pod.yaml", PRIVILEGED)], "kubectl create -f - < pod.yaml"),
    ([write("pod.yaml", POD_HOST_PID)], "cat pod.yaml | kubectl apply -f /dev/stdin"),
    ([write("pod.yaml", POD_HOST_PID)], "oc apply -f pod.yaml"),
    ([write("pod.yaml", PRIVILEGED)], "podman kube play pod.yaml"),
    ([write("pod.yaml", POD_HOST_PID)], "podman play kube --replace pod.yaml"),
    ([write("a.yaml", DEPLOY), write("b.yaml", POD_HOST_PID)], "cat a.yaml b.yaml | kubectl apply -f -"),
    ([write("k8s/kustomization.yaml", KUSTOMIZATION), write("k8s/pod.yaml", POD_HOST_PID)], "kubectl apply -k k8s"),
    (
        [write("overlays/prod/kustomization.yaml", KUSTOMIZATION), write("overlays/prod/pod.yaml", PRIVILEGED)],
        "kubectl apply --kustomize=overlays/prod/",
    ),
    (
        [write("kustomization.yaml", KUSTOMIZATION), write("pod.yaml", POD_HOST_PID)],
        "kustomize build | kubectl apply -f -",
    ),
    (
        [write("k/kustomization.yaml", KUSTOMIZATION), write("k/pod.yaml", PRIVILEGED)],
        "kubectl kustomize k | kubectl apply -f -",
    ),
    (
        [write("chart/Chart.yaml", "name: c\n"), write("chart/templates/pod.yaml", POD_HOST_PID)],
        "helm install x ./chart",
    ),
    ([write("chart/values.yaml", "securityContext:\n  privileged: true\n")], "helm upgrade --install x ./chart"),
    ([write("values.yaml", "hostNetwork: true\n")], "helm install x bitnami/nginx -f values.yaml"),
    ([write("prod.yaml", "securityContext:\n  privileged: true\n")], "helm upgrade x ./c --values=prod.yaml"),
    ([write("chart/templates/pod.yaml", POD_HOST_PID)], "helm template x ./chart | kubectl apply -f -"),
    (
        [write("p.yaml", "spec:\n  template:\n    spec:\n      hostPID: true\n")],
        "kubectl patch deploy x --patch-file=p.yaml",
    ),
    (
        [write("prof.yaml", "securityContext:\n  privileged: true\n")],
        "kubectl debug mypod -it --image=busybox --custom=prof.yaml",
    ),
]
#: controls: ordinary configurations read so, and privileged ones not applied
ALLOWED: list[Case] = [
    ([write("deploy.yaml", DEPLOY)], "kubectl apply -f deploy.yaml"),
    ([write("deploy.yaml", DEPLOY)], "cat deploy.yaml | kubectl apply -f -"),
    (
        [write("k8s/kustomization.yaml", "resources:\n  - deploy.yaml\n"), write("k8s/deploy.yaml", DEPLOY)],
        "kubectl apply -k k8s",
    ),
    (
        [write("chart/values.yaml", "replicaCount: 2\n"), write("chart/templates/d.yaml", DEPLOY)],
        "helm upgrade --install x ./chart",
    ),
    ([write("pod.yaml", POD_HOST_PID)], "cat pod.yaml"),
    ([write("pod.yaml", POD_HOST_PID)], "kubectl diff -f pod.yaml"),
    ([write("pod.yaml", POD_HOST_PID)], "podman kube down pod.yaml"),
    ([write("deploy.yaml", DEPLOY)], "podman kube play deploy.yaml"),
    ([write("k8s/pod.yaml", POD_HOST_PID)], "kubectl apply -k other"),
    ([], "cat pod.yaml | kubectl apply -f -"),
    ([], "kustomize build overlays/prod | kubectl apply -f -"),
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("first, run", DENIED)
async def test_a_written_configuration_read_so_is_denied(name: str, first: list[dict[str, Any]], run: str) -> None:
    assert await run_after({"policy": name}, first, run) == "DENY"


@pytest.mark.parametrize("name", ["soc2_compliant", "permissive"])
@pytest.mark.parametrize("first, run", ALLOWED)
async def test_an_ordinary_configuration_read_so_is_allowed(name: str, first: list[dict[str, Any]], run: str) -> None:
    assert await run_after({"policy": name}, first, run) == unprivileged(name, run)


@pytest.mark.parametrize("name", NAMES)
def test_a_manifest_written_and_piped_on_one_line_is_denied(name: str) -> None:
    line = "printf 'spec:\\n  hostPID: true\\n' > pod.yaml && cat pod.yaml | kubectl apply -f -"
    assert verdict(POLICIES[name], line) == "DENY"
