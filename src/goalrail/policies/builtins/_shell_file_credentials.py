"""Commands that print a stored credential read the store they print from.

``gh auth token`` prints the token ``gh`` keeps in ``~/.config/gh/hosts.yml``; ``git credential
fill`` the password in ``~/.git-credentials``; ``security find-generic-password -w`` a keychain's
password.  Each is a ``file_read`` of that store, so the ``file_read`` rules that forbid reading
the store (the templates' ``strict_read_secrets``, a user's ``.*\\.config/gh/.*``) meet the command
as they meet ``cat`` of the file, and the reason names the rule.  A command that prints a secret
it fetches with a stored credential (``vault kv get``, ``kubectl get secret -o yaml``, ``aws
secretsmanager get-secret-value``, ``gcloud auth print-access-token``, which mints a token from the
stored one) reads the credential it signs in with.  Only the forms that print a secret count:
``gh auth status`` (without ``-t``), ``kubectl config view`` (without ``--raw``/``--flatten``: it
redacts), ``kubectl get secrets`` as a table, ``pass ls``, ``aws configure get region`` read none.
Private keys exported or printed by the tool that keeps them read its store too: ``gpg
--export-secret-keys``, ``bitcoin-cli dumpprivkey``/``dumpwallet`` (Litecoin's, Dogecoin's, Dash's),
``electrum getseed``/``getprivatekeys``, Foundry's ``cast wallet private-key``/``decrypt-keystore``.

:data:`PRINTERS` maps ``program subcommand…`` (the words in that order among the command's
words that are not options: ``kubectl -n ns get secret x`` is ``kubectl get secret``) to the store
and the options one of which must be given (none: any use).
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._shell_elsewhere import CARRIERS, commands_everywhere, elsewhere
from goalrail.policies.builtins._shell_file_dumps import DUMPERS, dumped_stores
from goalrail.policies.builtins._shell_file_programs import program_name
from goalrail.policies.builtins._shell_types import SimpleCommand, Word
from goalrail.policies.builtins._shell_words import literal_texts, operands
from goalrail.policies.builtins._wrappers import names

__all__ = ["PRINTERS", "printed_elsewhere", "printed_stores"]

GH = "~/.config/gh/hosts.yml"
GLAB = "~/.config/glab-cli/config.yml"
GIT = "~/.git-credentials"
AWS = "~/.aws/credentials"
GCLOUD = "~/.config/gcloud/credentials.db"
GCLOUD_ADC = "~/.config/gcloud/application_default_credentials.json"
AZURE = "~/.azure/msal_token_cache.json"
KUBE = "~/.kube/config"
KEYCHAIN = "~/Library/Keychains/login.keychain-db"
KEYRING = "~/.local/share/keyrings/login.keyring"
PASS = "~/.password-store/"
OP = "~/.config/op/config"
BW = "~/.config/Bitwarden CLI/data.json"
VAULT = "~/.vault-token"
NETRC = "~/.netrc"
DOCKER = "~/.docker/config.json"
NPM = "~/.npmrc"
GNUPG = "~/.gnupg/private-keys-v1.d/"
BITCOIN = "~/.bitcoin/wallet.dat"
ELECTRUM = "~/.electrum/wallets/"
FOUNDRY = "~/.foundry/keystores/"

#: ``program subcommand…`` → (the store it prints from, the options one of which it needs; "": none)
PRINTERS: dict[str, tuple[str, str]] = {
    "gh auth token": (GH, ""),
    "gh auth status": (GH, "-t --show-token"),
    "glab auth status": (GLAB, "-t --show-token"),
    "glab config get token": (GLAB, ""),
    "git credential fill": (GIT, ""),
    **{f"git credential-{h} get": (GIT, "") for h in ("store", "cache", "manager", "manager-core", "netrc")},
    "git credential-osxkeychain get": (KEYCHAIN, ""),
    "git credential-libsecret get": (KEYRING, ""),
    **{f"git-credential-{h} get": (GIT, "") for h in ("store", "cache", "manager", "manager-core", "netrc")},
    "git-credential-osxkeychain get": (KEYCHAIN, ""),
    "git-credential-libsecret get": (KEYRING, ""),
    "aws configure export-credentials": (AWS, ""),
    "aws sts get-session-token": (AWS, ""),
    "aws sts get-federation-token": (AWS, ""),
    "aws sts assume-role": (AWS, ""),
    "aws sts assume-role-with-web-identity": (AWS, ""),
    "aws ecr get-login-password": (AWS, ""),
    "aws ecr get-authorization-token": (AWS, ""),
    "aws ecr-public get-login-password": (AWS, ""),
    "aws codeartifact get-authorization-token": (AWS, ""),
    "aws secretsmanager get-secret-value": (AWS, ""),
    "aws secretsmanager batch-get-secret-value": (AWS, ""),
    "aws ssm get-parameter": (AWS, "--with-decryption"),
    "aws ssm get-parameters": (AWS, "--with-decryption"),
    "aws ssm get-parameters-by-path": (AWS, "--with-decryption"),
    "gcloud auth print-access-token": (GCLOUD, ""),
    "gcloud auth print-identity-token": (GCLOUD, ""),
    "gcloud auth application-default print-access-token": (GCLOUD_ADC, ""),
    "gcloud config config-helper": (GCLOUD, ""),
    "gcloud secrets versions access": (GCLOUD, ""),
    "az account get-access-token": (AZURE, ""),
    "az keyvault secret show": (AZURE, ""),
    "az keyvault secret download": (AZURE, ""),
    **{f"{p} config view": (KUBE, "--raw --flatten") for p in ("kubectl", "oc")},
    **{f"{p} create token": (KUBE, "") for p in ("kubectl", "oc")},
    "oc whoami": (KUBE, "-t --show-token"),
    "security find-generic-password": (KEYCHAIN, "-w -g"),
    "security find-internet-password": (KEYCHAIN, "-w -g"),
    "security dump-keychain": (KEYCHAIN, "-d"),
    "security export": (KEYCHAIN, ""),
    "secret-tool lookup": (KEYRING, ""),
    "secret-tool search": (KEYRING, ""),
    "keyring get": (KEYRING, ""),
    "kwallet-query": (KEYRING, "-r --read-password"),
    "op read": (OP, ""),
    "op item get": (OP, ""),
    "op inject": (OP, ""),
    "op run": (OP, ""),
    "bw get": (BW, ""),
    "bw list items": (BW, ""),
    "bw export": (BW, ""),
    **{
        f"{p} {s}": (VAULT, "")
        for p in ("vault", "bao")
        for s in ("kv get", "read", "print token", "token lookup", "token create")
    },
    "heroku auth:token": (NETRC, ""),
    "npm token create": (NPM, ""),
    **{f"{p} {s}": (PASS, "") for p in ("pass", "gopass") for s in ("show", "grep", "otp", "cat")},
    **dict.fromkeys(("gpg", "gpg2"), (GNUPG, "--export-secret-keys --export-secret-subkeys")),
    **{
        f"{c}-cli {s}": (BITCOIN, "")
        for c in ("bitcoin", "litecoin", "dogecoin", "dash")
        for s in ("dumpprivkey", "dumpwallet")
    },
    **{f"electrum {s}": (ELECTRUM, "") for s in ("getseed", "getprivatekeys", "getmasterprivate")},
    **{f"cast wallet {s}": (FOUNDRY, "") for s in ("private-key", "decrypt-keystore")},
}
#: ``pass NAME`` is ``pass show NAME``: the subcommands that are not
_PASS_SUBCOMMANDS = names(
    "init ls list find search show grep insert add edit generate rm remove delete mv rename cp copy git help "
    "version otp cat sync setup config audit mounts recipients templates fsck"
)
#: ``aws configure get KEY``, ``npm config get KEY``, ``glab config get KEY``: a key that holds a secret
_SECRET_KEY = re.compile(r"(?i)(secret|token|passw|_auth|credential)")
#: ``kubectl get secret[s][/name]`` and the outputs that print a secret's data (not ``-o name``/``wide``)
_SECRET_KIND = re.compile(r"^(secrets?|secrets?/.*|secrets?\..*)$|(^|,)secrets?(,|$)")
_KUBE_SHOWS = re.compile(r"^(-o|--output)(=?)(.*)$")
_NESTED = frozenset(k.partition(" ")[0] for k in PRINTERS)
_PROGRAMS = _NESTED | {"pass", "gopass"}
#: options whose value is the next word, so that value is no subcommand (``kubectl -n ns get …``)
_VALUES = names(
    "-n --namespace --context --kubeconfig --cluster --user -s --server --profile --region --project --account "
    "--configuration -R --repo --hostname --subscription -o --output --vault-name --name --field --format "
    "-c -C --git-dir --work-tree"
)
_DEEPEST = 4


def _heads(words: list[Word]) -> list[str]:
    """The first ``_DEEPEST + 1`` operands (subcommands, a kind, a name) before a word known only at run time."""
    return operands(literal_texts(words), _VALUES, _DEEPEST + 1)


def _given(words: list[Word], options: str) -> bool:
    wanted = options.split()
    for text, _dyn in words:
        if text == "--":
            return False
        name = text.partition("=")[0]
        if name in wanted or (
            text[:1] == "-" and text[1:2] != "-" and any(len(w) == 2 and w[1] in text[1:] for w in wanted)
        ):
            return True
    return False


def _kube_secret(heads: list[str], words: list[Word]) -> bool:
    """``kubectl get secret x -o yaml`` (``json``, ``jsonpath=…``, ``go-template=…``): its data printed."""
    if len(heads) < 2 or heads[0] != "get" or _SECRET_KIND.search(heads[1]) is None:
        return False
    for k, (text, _dyn) in enumerate(words):
        m = _KUBE_SHOWS.match(text) if text.startswith("-o") or text.startswith("--output") else None
        if m is None:
            continue
        value = m.group(3) or (words[k + 1][0] if not m.group(2) and k + 1 < len(words) else "")
        if value and value not in ("name", "wide"):
            return True
    return False


def printed_stores(name: str, words: list[Word]) -> list[str]:
    """The credential stores the command ``name words…`` prints a secret from (see the module doc),
    or dumps (``_shell_file_dumps``: ``gcore PID``, ``procdump -ma lsass.exe``)."""
    if name in DUMPERS:
        return dumped_stores(name, words)
    if name not in _PROGRAMS and not name.startswith(("docker-credential-", "git-credential-")):
        return []
    heads = _heads(words)
    if name.startswith("docker-credential-"):
        return [DOCKER] if heads[:1] == ["get"] else []
    if name in ("pass", "gopass") and heads and heads[0] not in _PASS_SUBCOMMANDS:
        return [PASS]  # (`pass email/work`: shown)
    if name in ("kubectl", "oc") and _kube_secret(heads, words):
        return [KUBE]
    if heads[:2] in (["configure", "get"], ["config", "get"]) and len(heads) > 2 and _SECRET_KEY.search(heads[2]):
        return [{"aws": AWS, "npm": NPM, "glab": GLAB}.get(name, "")] if name in ("aws", "npm", "glab") else []
    for n in range(min(len(heads), _DEEPEST), -1, -1):
        found = PRINTERS.get(" ".join([name, *heads[:n]]))
        if found is not None:
            store, options = found
            return [store] if not options or _given(words, options) else []
    return []


def printed_elsewhere(cmd: SimpleCommand) -> list[str]:
    """The stores a command run on another host or in a container prints from (``ssh host gh auth
    token``, ``docker exec c vault read x``): the secret reaches the agent all the same."""
    if cmd.name not in CARRIERS:
        return []
    out: list[str] = []
    for script, _dynamic in elsewhere(cmd) or ():
        for remote in commands_everywhere(script, 1)[0]:
            out += printed_stores(program_name(remote.name), list(zip(remote.args, remote.dynamic[1:], strict=True)))
    return out
