"""What interpreter code destroys outside the file system through a cloud SDK or an HTTP client,
as the command line that destroys the same (``goalrail.patterns.templates._remote.REMOTE_DESTROY``).

``python3 -c "import boto3; boto3.resource('s3').Bucket('prod').objects.all().delete()"`` empties a
bucket as surely as ``aws s3 rm s3://prod --recursive``.  Code that names an SDK (in the code, a
here-document fed to the interpreter, or a file the line or the session wrote and runs) and calls
one of its deleting methods is read as that SDK's command line deleting something:

* AWS (``boto3``, ``botocore``, ``aioboto3``, ``@aws-sdk/…``, ``aws-sdk``, Ruby's ``Aws::``):
  ``delete_bucket``, ``delete_object(s)``, ``.objects.all().delete()``, ``terminate_instances``,
  ``delete_db_instance``, ``DeleteBucketCommand``, ``s3.deleteBucket(…)`` → ``aws sdk delete``;
* Google Cloud (``google.cloud``, ``googleapiclient``, ``@google-cloud/…``, ``firebase_admin``):
  ``bucket.delete(force=True)``, ``blob.delete()`` → ``gcloud sdk delete``;
* Azure (``azure.…``, ``@azure/…``): ``begin_delete``, ``delete_container``, ``beginDeleteAndWait``
  → ``az sdk delete``;
* Kubernetes (``kubernetes``, ``@kubernetes/client-node``): ``delete_namespace``,
  ``deleteNamespacedPod`` → ``kubectl delete sdk``;
* GitHub and GitLab (PyGithub, Octokit, ``python-gitlab``): ``repo.delete()``,
  ``octokit.rest.repos.delete(…)``, ``octokit.request("DELETE /repos/…")`` → ``gh sdk delete``;
* Docker (``docker``, ``dockerode``): ``.remove()``, ``.prune()``, ``prune_volumes()`` → ``docker rm sdk``;
* an HTTP client (``requests``, ``httpx``, ``urllib``, ``fetch``, ``axios``, ``Net::HTTP``,
  ``LWP``, ``curl_init``…) sending DELETE (``requests.delete(…)``, ``method='DELETE'``,
  ``{method: "delete"}``, ``Net::HTTP::Delete``) → ``curl -X DELETE``.

A deleting method is a call whose name starts with ``delete``, ``terminate``, ``destroy``,
``purge`` or ``deregister`` (``begin_`` first for Azure's pollers), or an AWS v3 command class
named so.  Each template rules on the line as on the command it stands for.
"""

from __future__ import annotations

import re

__all__ = ["sdk_destroys"]

_VERBS = r"(?:[Dd]elete|[Tt]erminate|[Dd]estroy|[Pp]urge|[Dd]eregister)"
#: a deleting call (``.delete(``, ``.delete_bucket(``, ``.begin_delete(``, ``.deleteNamespacedPod(``)
#: or an AWS v3 command (``new DeleteBucketCommand(``)
_CALL = re.compile(
    rf"\.\s*(?:begin_?|Begin)?{_VERBS}(?:[_A-Z]\w*)?\s*\(|\b(?:Delete|Terminate|Destroy|Purge|Deregister)[A-Z]\w*Command\b"
)
#: the SDKs, each with the command line its deleting call stands for
_SDKS = (
    (re.compile(r"\b(?:boto3|botocore|aioboto3)\b|@aws-sdk/|['\"]aws-sdk['\"]|\bAws::"), "aws sdk delete"),
    (
        re.compile(r"\bgoogle\s*\.\s*cloud\b|\bgoogleapiclient\b|@google-cloud/|Google::Cloud|firebase[_-]admin"),
        "gcloud sdk delete",
    ),
    (re.compile(r"\bfrom\s+azure\b|\bimport\s+azure\b|@azure/|Azure::"), "az sdk delete"),
    (re.compile(r"\b(?:from|import)\s+kubernetes\b|@kubernetes/client-node|\bKubeclient\b"), "kubectl delete sdk"),
    (
        re.compile(r"\b(?:from|import)\s+(?:github|gitlab)\b|\bGithub\s*\(|@octokit/|\bOctokit\b|\bGitlab\s*\("),
        "gh sdk delete",
    ),
)
_DOCKER = re.compile(r"\b(?:from|import)\s+docker\b|\bdocker\s*\.\s*(?:from_env|DockerClient)|['\"]dockerode['\"]")
_DOCKER_CALL = re.compile(r"\.\s*(?:remove|prune\w*)\s*\(")
#: code that makes an HTTP request (as ``_shell_net_code`` reads it)
_REQUESTS = re.compile(
    r"urlopen|\brequests\b|\bhttpx\b|urllib|\bhttp\.client\b|HTTPS?Connection|aiohttp|\bfetch\s*\(|\baxios\b"
    r"|Net::HTTP|\bLWP\b|HTTP::Tiny|\bcurl_init\b|Faraday|HTTParty|RestClient|\bgot\b|\bky\b|\bsuperagent\b"
)
#: DELETE sent: ``requests.delete(``, ``session.delete(``, ``method='DELETE'``, ``"DELETE /repos/…"``
_HTTP_DELETE = re.compile(
    r"\.\s*delete\s*\(|\bmethod\s*[=:]\s*['\"`](?i:delete)['\"`]|['\"`]DELETE\b|Net::HTTP::Delete|HTTP::Request\s*->\s*new"
    r"\s*\(\s*['\"]?DELETE|CURLOPT_CUSTOMREQUEST\s*,\s*['\"]DELETE"
)
#: at most this much of the code is read
_MAX = 65_536


def sdk_destroys(code: str) -> list[str]:
    """The command lines standing for what ``code`` destroys through an SDK or an HTTP client."""
    text = code[:_MAX]
    out: list[str] = []
    if _CALL.search(text) is not None:
        out += [line for sdk, line in _SDKS if sdk.search(text) is not None]
    if _DOCKER.search(text) is not None and _DOCKER_CALL.search(text) is not None:
        out.append("docker rm sdk")
    if _REQUESTS.search(text) is not None and _HTTP_DELETE.search(text) is not None:
        out.append("curl -X DELETE")
    return out
