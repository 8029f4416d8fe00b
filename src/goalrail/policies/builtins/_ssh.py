"""The command ``ssh`` runs on the remote host.

``ssh [options] host command…`` joins the command's words with spaces and hands
them to the remote user's shell, with ssh's own stdin (a heredoc, a pipe).  What runs
there is still the agent's doing: a ``git push`` from a build box reaches GitHub all the
same.  Directory changes there are not this machine's, so only the policies that judge
what reaches a remote service (``github_policy``) read it, and the file rules the secrets it reads
(``_shell_file_effects``: their content reaches the agent all the same).
"""

from __future__ import annotations

import shlex

from goalrail.policies.builtins._shell_types import SimpleCommand

#: ssh's options that take a value (``ssh -p 22 -i key host cmd``)
_VALUED = frozenset("BbcDEeFIiJLlmOopQRSWw")
SSH_VALUED = _VALUED
#: front ends taking ssh's options and a host, then a command
SSH_CLIENTS = frozenset({"ssh", "autossh", "mosh"})


def with_input(text: str, cmd: SimpleCommand) -> tuple[str, bool]:
    """``text`` (a command line run elsewhere) with what ``cmd`` feeds it on stdin — a heredoc,
    herestring or file redirect, or a pipe — so ``ssh host sh <<EOF`` and ``echo … | docker exec
    -i c sh`` are read as the script they feed; True when that input is known only at run time."""
    source = None
    for r in cmd.redirects:
        if r.op in ("<<", "<<<", "<<-", "<"):
            source = r
    if source is not None:
        op = "<" if source.op == "<" else "<<<"
        return f"{text} {op} {shlex.quote(source.target)}", source.dynamic
    if cmd.stdin == "\0pipe":
        return f"cat | {text}", False  # another program's output: a shell reading it is unknown
    if cmd.stdin is not None:
        return f"echo {shlex.quote(cmd.stdin)} | {text}", False
    return text, False


def remote_command(cmd: SimpleCommand) -> tuple[str, bool] | None:
    """(the remote command line, whether a word of it is known only at run time), or None
    when ssh opens a session, forwards ports or runs nothing (``ssh -N``, ``ssh host``)."""
    argv, dynamic = cmd.argv, cmd.dynamic
    valued = _VALUED | {"M"} if cmd.name == "autossh" else _VALUED  # autossh -M PORT
    i, n = 1, len(argv)
    while i < n:
        word = argv[i]
        if word == "--":
            i += 1
            break
        if not word.startswith("-") or len(word) < 2:
            break
        if cmd.name == "mosh" and word.startswith("--"):  # mosh --ssh=…, --port=…
            i += 1
            continue
        letters = word[1:]
        for j, letter in enumerate(letters):
            if letter in valued:
                i += 1 if j + 1 < len(letters) else 2  # attached (-p22) or the next word
                break
        else:
            i += 1
    i += 1  # the host
    if i < n and argv[i] == "--":  # mosh's separator (for ssh the remote shell would see it: read strictly)
        i += 1
    if i >= n:
        return None
    return " ".join(argv[i:]), any(dynamic[i:])


def rsync_paths(cmd: SimpleCommand) -> list[tuple[str, bool]]:
    """``rsync --rsync-path=CMD``: a command line the remote shell runs (``"cd /a && rsync"``,
    ``"sudo rsync"``), as ``ssh host CMD`` would; each with whether it is known only at run time."""
    found: list[tuple[str, bool]] = []
    argv, dynamic = cmd.argv, cmd.dynamic
    for i, word in enumerate(argv[1:], 1):
        if word == "--":
            break
        if word.startswith("--rsync-path="):
            found.append((word[13:], dynamic[i]))
        elif word == "--rsync-path" and i + 1 < len(argv):
            found.append((argv[i + 1], dynamic[i + 1]))
    return found
