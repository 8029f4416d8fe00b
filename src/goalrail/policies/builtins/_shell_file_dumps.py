"""Commands that dump another process's memory or the operating system's credential stores read
what they dump.

A core or minidump of a process holds everything in its memory: the environment it was started
with, the tokens and passwords it holds.  ``gcore PID``, ``gdb -p PID`` (``--pid``, ``attach
PID``), ``lldb -p PID``/``-n NAME``, ``procdump -ma lsass.exe``, ``rundll32 comsvcs.dll, MiniDump
PID f full`` (or its ordinal ``#24``), ``createdump PID``, ``sqldumper PID`` and the PowerShell
``Out-Minidump`` are each a read of ``/proc/PID/mem`` and ``/proc/PID/environ`` (the process named
when no number is: ``/proc/lsass/…``; ``*`` when none is known), so the rules on those files meet
them as they meet ``cat /proc/PID/environ``.  The credential dumpers (``mimikatz``, ``pypykatz``,
``lsassy``, ``secretsdump``, ``nanodump``…) read LSASS's memory and the ``SAM``/``SECURITY``
hives.  ``esentutl /y SRC`` copies SRC (``ntds.dit``, a hive), ``ntdsutil … ifm`` copies the
domain's ``ntds.dit`` and the ``SYSTEM`` hive; ``keyctl print|pipe|read`` prints a kernel
keyring's key; ``Get-StoredCredential`` the Windows Credential Manager's.  Listing is none:
``ps``, ``tasklist``, ``keyctl show``, ``cmdkey /list`` and ``vaultcmd /listcreds`` (names,
not secrets) read no store.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["DUMPERS", "DUMP_HINT", "dumped_stores"]

SAM = "/etc/registry/HKLM/SAM"
SECURITY = "/etc/registry/HKLM/SECURITY"
SYSTEM = "/etc/registry/HKLM/SYSTEM"
NTDS = "/usr/Windows/NTDS/ntds.dit"
HIVES = {"sam": SAM, "security": SECURITY, "system": SYSTEM}
KEYRING = "~/.local/share/keyrings/login.keyring"
CREDMAN = "~/AppData/Local/Microsoft/Credentials/"
#: the credential dumpers: LSASS's memory and the local hives
_KATZ = names(
    "mimikatz pypykatz lsassy secretsdump secretsdump.py impacket-secretsdump nanodump handlekatz safetykatz "
    "sharpkatz dumpert invoke-mimikatz kekeo rubeus sharpdpapi dpapi.py impacket-dpapi"
)
_PROCDUMP = names("procdump procdump64 procdump64a")
_ONE_PID = names("gcore createdump sqldumper out-minidump")
#: ``gdb``'s and ``lldb``'s options that name the process attached to
_ATTACH = {"gdb": names("-p --pid -pid"), "lldb": names("-p --attach-pid -n --attach-name")}
#: programs whose options take a value (so the value is no process)
_VALUED = names("-o -n -s -c -cl -m -ml -mc -md -mk -e -f -fx -x -w -t -l -g -i -u -d -b")
_PID = re.compile(r"^(\d+|[A-Za-z][\w-]*(\.exe)?)$")
#: a cheap test of a line's text before its analysis is asked (``_shell_env``)
DUMP_HINT = re.compile(r"(?i)g(core|db)|lldb|dump|katz|lsass|comsvcs|kekeo|rubeus|dpapi|/proc/[^/\s'\"]+/mem\b")
DUMPERS = _KATZ | _PROCDUMP | _ONE_PID | names("gdb lldb rundll32 esentutl ntdsutil keyctl get-storedcredential")


def _proc(target: str) -> list[str]:
    pid = target.lower().removesuffix(".exe") if _PID.match(target) else "*"
    return [f"/proc/{pid}/mem", f"/proc/{pid}/environ"]


def _operands(texts: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for t in texts:
        if skip:
            skip = False
        elif len(t) > 1 and (t[0] == "-" or (t[0] == "/" and t.count("/") == 1 and "\\" not in t)):
            skip = t.lower().replace("/", "-", 1) in _VALUED
        else:
            out.append(t)
    return out


def _attached(name: str, full: list[str]) -> list[str]:
    """``gdb -p PID``, ``--pid=PID``, ``-ex 'attach PID'``, ``gdb PROG PID``; ``lldb -n NAME``."""
    out: list[str] = []
    texts = full[: full.index("--args")] if "--args" in full else full  # (`gdb --args ./prog 1`: its arguments)
    for k, t in enumerate(texts):
        option, eq, value = t.partition("=")
        if option in _ATTACH[name]:
            out.append(value if eq else texts[k + 1] if k + 1 < len(texts) else "*")
        elif t.startswith("-p") and t[2:].isdigit():
            out.append(t[2:])
        elif (m := re.match(r"(?i)^\s*(?:attach|process attach\s+(?:-p|--pid))\s+(\S+)", t)) is not None:
            out.append(m.group(1))
    plain = [t for t in texts if not t.startswith("-")]
    if name == "gdb" and not out and len(plain) >= 2 and plain[1].isdigit() and len(texts) == len(full):
        out.append(plain[1])  # (`gdb ./prog 1234`: the running process 1234)
    return out


def _windows_file(text: str) -> list[str]:
    """A hive or ``ntds.dit`` copied by its file (backslashes a POSIX shell may have taken)."""
    low = text.lower().replace("\\", "/")
    if low.endswith("ntds.dit"):
        return [NTDS]
    for name, hive in HIVES.items():
        if low.endswith(("config/" + name, "config" + name, "regback/" + name)):
            return [hive]
    return []


def dumped_stores(name: str, words: list[Word]) -> list[str]:
    """What the command ``name words…`` dumps (see the module doc): paths read."""
    texts = [t if not dyn else "*" for t, dyn in words]
    if name in _KATZ:
        return [*_proc("lsass"), SAM, SECURITY]
    if name in _ONE_PID or name in _PROCDUMP:
        targets = [t for t in _operands(texts) if _PID.match(t) or t == "*"]
        return [p for t in targets or ["*"] for p in _proc(t)]
    if name in ("gdb", "lldb"):
        return [p for t in _attached(name, texts) for p in _proc(t)]
    lower = [t.lower() for t in texts]
    if name == "rundll32" and any("comsvcs" in t for t in lower) and any("minidump" in t or "#24" in t for t in lower):
        pid = next((t for t in texts if t.isdigit()), "*")
        return _proc(pid)
    if name == "esentutl" and any(t in ("/y", "-y") for t in lower):
        return [s for t in texts for s in _windows_file(t)] or [t.replace("\\", "/") for t in _operands(texts)[:1]]
    if name == "ntdsutil" and any(re.search(r"\bifm\b", t) for t in lower):
        return [NTDS, SYSTEM]
    if name == "keyctl" and lower[:1] in (["print"], ["pipe"], ["read"]):
        return [KEYRING]
    if name == "get-storedcredential":
        return [CREDMAN]
    return []


#: ``kubectl``'s and ``oc``'s options that take a value (so the value is no operand)
_KUBE_VALUED = names(
    "-c --container -n --namespace --context --kubeconfig --cluster --user -s --server --retries --as --as-group "
    "--token --request-timeout"
)


def pod_copy(words: list[Word]) -> tuple[list[Word], list[Word]] | None:
    """``kubectl cp SRC DEST`` (``oc cp``): its source and destination (a ``pod:/path`` is the pod's,
    read or written there), or None for another subcommand."""
    ops: list[Word] = []
    skip = False
    for w in words:
        if skip:
            skip = False
        elif w[0].startswith("-"):
            skip = w[0] in _KUBE_VALUED
        else:
            ops.append(w)
    if len(ops) < 3 or ops[0][0] != "cp":
        return None
    return [ops[1]], [ops[2]]
