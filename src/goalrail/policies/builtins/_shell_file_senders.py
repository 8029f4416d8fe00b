"""Programs that read the files they are handed and send them somewhere, and the programs that
only handle names: the last two tables of ``_shell_file_effects``.

* :data:`SENDERS`: uploaders, pastebins, the issue/PR/gist/release commands of ``gh``/``glab``,
  HTTP clients (HTTPie's ``@file``, ``field=@file``, ``field:=@file``, ``field@file``), cloud CLIs
  (``aws``: every ``file://``/``fileb://`` value and ``s3 cp|mv|sync``, ``s3api put-object --body``;
  ``az``: every ``@file`` value, ``storage … upload``; ``gcloud``/``gsutil``; ``azcopy``),
  ``kubectl --from-file``/``--from-env-file``/``-f``, package uploads (``twine``), file-transfer
  tools (``rclone``, ``croc``, ``wormhole``), mail clients' attachments, ``sftp -b``.  Each
  entry (``program`` or ``program subcommand…``, the longest that the line's first words spell)
  is written as ``_option_table`` writes options (``d/desc:``: ``-d``/``--desc`` take a value),
  with ``<`` for an option whose value is a file read (``F/body-file<``), ``>`` for one whose value is
  a file written (HTTPie's ``o/output>``), and its flags: ``ops``
  (every operand is a file read), ``ops2`` (from the second on: ``gh release upload TAG FILE…``),
  ``copy`` (every operand but the last read, unless remote: ``remote:path``, ``s3://b``; the last
  written when local: ``rclone copy remote:x ~/.claude``, ``sftp host:f ./f``), ``tree``
  (directories read whole), ``at`` (a word or value in ``@file`` form reads the file), ``url``
  (a ``file://``/``fileb://`` word reads the file).  What they read is a ``file_read``, so the
  ``file_read`` rules meet ``gh gist create .env`` as they meet ``cat .env``.  A subcommand of a
  sender the table does not list is a program Goalrail does not know (below).
* :data:`NAMES`: programs that handle the names they are given, not the files' contents
  (``ls``, ``stat``, ``echo``, ``mkdir``, ``ssh -i KEY``…).

Any other program is one Goalrail does not know: the paths it is handed (operands, an option's
``--opt=VALUE``, ``@FILE``, ``key=FILE``; not a word with blanks, which is text) are
:data:`~_shell_file_words.HANDED` reads, asked where a ``file_read`` rule denies them
(``_pattern_files``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from goalrail.policies.builtins._shell_file_operands import operands
from goalrail.policies.builtins._shell_file_programs import READ, RECURSIVE, WRITE, Adds
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._shell_words import literal_texts
from goalrail.policies.builtins._shell_words import operands as operand_words
from goalrail.policies.builtins._wrappers import names, option_spellings

__all__ = ["NAMES", "SENDERS", "SEND_HANDLERS", "handed"]

_GH_BODY = "F/body-file< b/body: t/title: R/repo: a/assignee: l/label: m/milestone: p/project: T/template: /recover<"
_AWS = (
    "/profile: /region: /endpoint-url: /acl: /storage-class: /content-type: /sse: /sse-kms-key-id: "
    "/cache-control: /metadata: /exclude: /include: /expires: /grants: /output: /page-size: /source-region: "
    "/content-encoding: /content-disposition: /content-language: /metadata-directive: /expected-size: "
    "/website-redirect: /sse-c: /sse-c-key: /bucket: /key: /query: /color:"
)
_GCLOUD = (
    "/project: /account: /configuration: /zone: /region: /flags-file< /verbosity: /format: "
    "/impersonate-service-account:"
)
_AZ = (
    "/subscription: g/resource-group: /account-name: /account-key: /connection-string: /sas-token: "
    "/auth-mode: o/output: /query:"
)
_KUBE = (
    "n/namespace: /context: /cluster: /kubeconfig< /type: /from-literal: /dry-run: o/output: l/selector: "
    "/field-manager:"
)
_MUTT = "a/attach< i/include< H/draft< F/muttrc< s/subject: c/cc: b/bcc: e/command: f/folder: Q/query:"
_MAIL = "a/attach< A/attach< q/quote< s/subject: c/cc: b/bcc: r/from: S/set: u/user: f/file:"
_RCLONE = (
    "/config< /files-from< /files-from-raw< /include-from< /exclude-from< /filter-from< "
    "/password-command: /transfers: /include: /exclude: /filter: /bwlimit:"
)
_TWINE = (
    "r/repository: /repository-url: /sign-with: i/identity: u/username: p/password: c/comment: "
    "/config-file< /cert< /client-cert<"
)
_HTTPIE = (
    "a/auth: A/auth-type: o/output> /session: /session-read-only: /raw: /boundary: /cert< /cert-key< "
    "/verify: /proxy: /pretty: s/style: p/print: /format-options: /timeout: /max-redirects: /max-headers: "
    "/default-scheme: /ssl: /ciphers:"
)
#: program or ``program subcommand…`` → (flags, options), as the module doc says
SENDERS: dict[str, tuple[str, str]] = {
    "gh gist create": ("ops", "d/desc: f/filename: p/public w/web"),
    "gh gist edit": ("", "a/add< d/desc: f/filename: r/remove:"),
    "gh release create": ("ops2", "F/notes-file< n/notes: t/title: /target: /discussion-category: /notes-start-tag:"),
    "gh release upload": ("ops2", ""),
    "gh release download": ("tree", "D/dir> O/output> p/pattern: A/archive: R/repo:"),
    "gh run download": ("tree", "D/dir> n/name: p/pattern: R/repo:"),
    "glab release download": ("tree", "D/dir> n/asset-name: a/asset-name: R/repo:"),
    "gh issue create": ("", _GH_BODY),
    "gh issue comment": ("", _GH_BODY),
    "gh issue edit": ("", _GH_BODY),
    "gh pr create": ("", _GH_BODY + " B/base: H/head: r/reviewer:"),
    "gh pr comment": ("", _GH_BODY),
    "gh pr edit": ("", _GH_BODY + " B/base:"),
    "gh pr review": ("", _GH_BODY),
    "gh pr merge": ("", _GH_BODY),
    "gh api": (
        "at",
        "F/field: f/raw-field: H/header: X/method: /input< q/jq: t/template: p/preview: /hostname: /cache:",
    ),
    "gh secret set": ("", "f/env-file< b/body: e/env: o/org: r/repos: v/visibility: a/app: R/repo:"),
    "gh variable set": ("", "f/env-file< b/body: e/env: o/org: r/repos: v/visibility: R/repo:"),
    "gh ssh-key add": ("ops", "t/title: /type:"),
    "gh gpg-key add": ("ops", "t/title:"),
    "glab snippet create": ("ops", "d/description: f/filename: t/title: v/visibility: R/repo:"),
    "glab release create": ("ops2", "N/notes-file< n/notes: a/assets-links: r/ref: R/repo:"),
    "glab release upload": ("ops2", "a/assets-links: R/repo:"),
    "glab api": ("at", "F/field: f/raw-field: H/header: X/method: /input< /hostname:"),
    "pastebinit": ("ops", "i/input< a/author: b/url: f/format: t/title: u/user: p/password: j/jabberid: m/mirror:"),
    "wgetpaste": ("ops", "d/description: l/language: n/nick: s/service: e/expiration:"),
    "fpaste": ("ops", "l/lang: t/title: d/description: u/user: x/expire:"),
    "gist": ("ops", "d/description: f/filename: t/type: u/update:"),
    "ix": ("ops", ""),
    "croc send": ("ops tree", "/code: /text:"),
    "wormhole send": ("ops tree", "/code: /text:"),
    "ffsend upload": ("ops", "p/password: n/name: d/downloads: e/expiry-time: h/host:"),
    "telegram-send": ("", "f/file< i/image< /video< /audio< /animation< /sticker< /config< c/caption:"),
    "slackcat": ("ops", "c/channel: n/filename: t/token: /comment:"),
    **dict.fromkeys(("http", "https", "xh", "xhs"), ("at", _HTTPIE)),
    "twine upload": ("ops", _TWINE),
    "twine register": ("ops", _TWINE),
    "aws": ("url", ""),
    "aws s3 cp": ("copy url", _AWS),
    "aws s3 mv": ("copy url", _AWS),
    "aws s3 sync": ("copy tree url", _AWS),
    "aws s3api put-object": ("url", _AWS + " /body<"),
    "aws s3api upload-part": ("url", _AWS + " /body< /upload-id: /part-number:"),
    "gsutil cp": ("copy", "h: z: j: p: s: x: e:"),
    "gsutil mv": ("copy", "h: p: s:"),
    "gsutil rsync": ("copy tree", "x: y: e:"),
    "gcloud storage cp": ("copy", _GCLOUD),
    "gcloud storage mv": ("copy", _GCLOUD),
    "gcloud storage rsync": ("copy tree", _GCLOUD),
    "gcloud compute scp": ("copy", _GCLOUD + " /ssh-key-file:"),
    "gcloud secrets create": ("", _GCLOUD + " /data-file< /replication-policy: /labels:"),
    "gcloud secrets versions add": ("", _GCLOUD + " /data-file<"),
    "az": ("at", _AZ),
    "az storage blob upload": ("at", _AZ + " f/file< c/container-name: n/name: /content-type:"),
    "az storage blob upload-batch": ("at tree", _AZ + " s/source< d/destination: /pattern:"),
    "az storage file upload": ("at", _AZ + " /source< s/share-name: /path:"),
    "az storage file upload-batch": ("at tree", _AZ + " s/source< d/destination: /pattern:"),
    "az storage copy": ("at tree", _AZ + " s/source< d/destination:"),
    "az keyvault secret set": ("at", _AZ + " f/file< /vault-name: n/name: /value: /encoding:"),
    "azcopy copy": ("copy", "/include-pattern: /exclude-pattern: /log-level:"),
    "azcopy sync": ("copy tree", "/include-pattern: /exclude-pattern: /log-level:"),
    "kubectl create secret generic": ("", _KUBE + " /from-file< /from-env-file<"),
    "kubectl create secret tls": ("", _KUBE + " /cert< /key<"),
    "kubectl create configmap": ("", _KUBE + " /from-file< /from-env-file<"),
    "kubectl create": ("", _KUBE + " f/filename< k/kustomize<"),
    "kubectl apply": ("", _KUBE + " f/filename< k/kustomize<"),
    "kubectl replace": ("", _KUBE + " f/filename< k/kustomize<"),
    "kubectl cp": ("copy tree", "c/container: n/namespace: /context:"),
    "rclone copy": ("copy tree", _RCLONE),
    "rclone copyto": ("copy", _RCLONE),
    "rclone move": ("copy tree", _RCLONE),
    "rclone moveto": ("copy", _RCLONE),
    "rclone sync": ("copy tree", _RCLONE),
    "rclone bisync": ("copy tree", _RCLONE),
    "s3cmd put": ("copy", "/acl-grant: /mime-type: c/config<"),
    "s3cmd sync": ("copy tree", "/exclude: /include: c/config<"),
    **dict.fromkeys(("mutt", "neomutt"), ("ops", _MUTT)),
    **dict.fromkeys(("mail", "mailx", "s-nail", "bsd-mailx", "nail"), ("", _MAIL)),
    "mpack": ("ops", "s/subject: d< c: o: m:"),
    "swaks": (
        "at",
        "/attach< /attach-body< /body< /data< t/to: f/from: s/server: p/port: /header: /attach-type: /attach-name:",
    ),
    "sftp": ("copy", "b/batchfile< B: c: D: F: i: J: l: o: P: R: S:"),
    "s3cmd get": ("copy", "c/config<"),
}
#: options a sender takes before its subcommand, with a value (``gh -R o/r release upload …``)
_GLOBALS = {
    "gh": names("-R --repo"),
    "glab": names("-R --repo"),
    "kubectl": names("-n --namespace --context --kubeconfig --cluster --user -s --server"),
    "aws": names("--profile --region --endpoint-url --output --query"),
    "gcloud": names("--project --account --configuration"),
    "az": names("--subscription"),
    "gsutil": names("-o -h"),
}
_MARKED = re.compile(r"^[^=:@\s]*(?::=|=|:)?@([^;\s]+)")
_URLS = ("file://", "fileb://")


class _Sender(NamedTuple):
    depth: int  # the subcommand words of its key
    first: int  # the first operand read (1-based; 0: none)
    copy: bool
    tree: bool
    at: bool
    url: bool
    values: frozenset[str]  # the options that take a value
    files: frozenset[str]  # those whose value is a file read
    written: frozenset[str]  # those whose value is a file written (``http -o F``)


def _sender(key: str, flags: str, options: str) -> _Sender:
    values: set[str] = set()
    files: set[str] = set()
    written: set[str] = set()
    for spec in options.split():
        mark, spelled = option_spellings(spec, ":<>")
        if mark:
            values.update(spelled)
        if mark == "<":
            files.update(spelled)
        elif mark == ">":
            written.update(spelled)
    words = flags.split()
    first = 2 if "ops2" in words else 1 if "ops" in words else 0
    values.update(_GLOBALS.get(key.partition(" ")[0], ()))
    return _Sender(
        key.count(" "),
        first,
        "copy" in words,
        "tree" in words,
        "at" in words,
        "url" in words,
        frozenset(values),
        frozenset(files),
        frozenset(written),
    )


_TABLE = {key: _sender(key, *entry) for key, entry in SENDERS.items()}
_DEEPEST = max(s.depth for s in _TABLE.values())
#: senders whose subcommands the table lists
_NESTED = frozenset(k.partition(" ")[0] for k in SENDERS if " " in k)


def _remote(text: str) -> bool:
    """``remote:path``, ``s3://b/k``, ``pod:/x``: a colon before any slash."""
    return ":" in text.partition("/")[0]


def _file_values(text: str) -> list[str]:
    """The file an option's value names: ``f``, ``@f``, ``file://f``, ``key=f`` (``--from-file``)."""
    for prefix in ("@", *_URLS):
        if text.startswith(prefix):
            return [text[len(prefix) :]]
    return [text, text.partition("=")[2]] if "=" in text else [text]


def _marked(text: str, at: bool, url: bool) -> str | None:
    """The file an ``@file``-form word reads (``@f``, ``k=@f``, ``k:=@f``, ``k@f``), or a ``file://`` word."""
    if url and text.startswith(_URLS):
        return text.partition("://")[2] or None
    if at and "@" in text and (m := _MARKED.match(text)) is not None:
        return m.group(1)
    return None


def _sends(program: str, line: Adds, words: list[Word], base: str | None) -> None:
    # (past flags before a subcommand: `gsutil -m cp …`, `gh -R o/r …`)
    heads = [program, *operand_words(literal_texts(words), _GLOBALS.get(program, frozenset()), _DEEPEST)]
    sender = None
    for n in range(len(heads), 0, -1):
        sender = _TABLE.get(" ".join(heads[:n]))
        if sender is not None:
            break
    if sender is None:
        line.hand(program, words, base)  # `gh pr view …`: a subcommand the table does not list
        return
    if sender.depth == 0 and len(heads) > 1 and program in _NESTED:
        line.hand(program, words, base)  # `aws s3 presign …`, `az vm create …`: handed too
    ops, given, flags = operands(words, sender.values)
    ops = ops[sender.depth :]
    tree = sender.tree or bool(flags & RECURSIVE)
    if sender.copy:
        files = [w for w in ops[:-1] if not _remote(w[0])]
        if len(ops) > 1 and not _remote(ops[-1][0]) and "://" not in ops[-1][0]:  # a local destination
            line.add(WRITE, ops[-1], tree=tree, base=base)
        for w in ops[:-1] if len(ops) > 1 and not _remote(ops[-1][0]) else ():  # `kubectl cp pod:/x .`
            if _remote(w[0]):
                line.remote(w)
    else:
        files = ops[sender.first - 1 :] if sender.first else []
    for w in files:
        line.add(READ, w, tree=tree, base=base)
    for option, values in given.items():
        for text, dyn in values:
            if option in sender.written and text != "-":  # (`gh release download -D DIR`: a tree)
                line.add(WRITE, (text, dyn), tree=sender.tree, base=base)
            elif option in sender.files:
                for path in _file_values(text):
                    if path:
                        line.add(READ, (path, dyn), tree=tree and not sender.copy, base=base)
            elif (marked := _marked(text, sender.at, sender.url)) is not None:
                line.add(READ, (marked, dyn), base=base)
    for text, dyn in ops if sender.at or sender.url else ():
        if (marked := _marked(text, sender.at, sender.url)) is not None:
            line.add(READ, (marked, dyn), base=base)


SEND_HANDLERS: dict[str, Callable[[Adds, list[Word], str | None], None]] = {
    p: partial(_sends, p) for p in {k.partition(" ")[0] for k in SENDERS}
}

#: programs that handle the names they are given, not the files' contents
NAMES = names(
    "ls dir vdir stat test [ [[ echo printf mkdir basename dirname realpath readlink du df which type command "
    "whereis whatis man info help apropos tldr hash alias unalias export unset set shopt declare typeset local "
    "readonly read true false : sleep kill pkill pgrep ps wait exit return shift trap umask ulimit pwd popd dirs "
    "date id whoami hostname uname nproc tree exa eza lsd locate mlocate plocate namei getfacl lsattr mktemp mkfifo "
    "mknod lsof fuser fd fdfind printenv ssh autossh mosh ssh-add ssh-keygen ssh-keyscan ssh-copy-id sleep seq yes "
    "tput clear stty notify-send logger history jobs fg bg disown builtin let eval exec cd pushd"
)


def handed(text: str) -> list[str]:
    """The paths a word handed to a program Goalrail does not know may name: the word, an
    option's ``--opt=VALUE`` or ``-fVALUE``, ``key=VALUE``, ``@FILE``/``k@FILE``, ``file://FILE`` (none for a word
    with blanks, which is text, or a URL)."""
    if text.startswith("-"):  # `--file=.env`; `-f.env`, `-f/etc/x`: a value attached to a short option
        attached = text[1:2] != "-" and text[2:3] in (".", "/", "~") and "=" not in text
        text = text[2:] if attached else text.partition("=")[2]
    if not text or " " in text or "\n" in text or "\t" in text:
        return []
    if "://" in text:
        return [text.partition("://")[2]] if text.startswith(_URLS) else []
    out = [text.lstrip("@<")]
    if "=" in text:
        out.append(text.partition("=")[2].lstrip("@<"))
    if "@" in text:
        out.append(text.rpartition("@")[2])
    return [p for p in dict.fromkeys(out) if p]
