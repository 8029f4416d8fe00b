"""Windows' administration programs read as the PowerShell (or POSIX) code with the same effects,
for the cmd reader (``_cmd``): ``reg add``/``delete``/``query`` → the registry cmdlets on ``HKLM:``/
``HKCU:`` (``HKCR`` under ``HKLM:\\SOFTWARE\\Classes``; a key whose backslashes a POSIX shell took,
``HKLMSoftwareX``, by its root), ``reg save``/``export KEY FILE`` → ``Copy-Item -Recurse KEY FILE``
(a read of the key whole: ``reg save HKLM\\SAM f`` reads the SAM hive as ``reg query`` does;
``reg import``/``load``/``restore``, whose keys are in a file, are not read); ``format`` and deleting
shadow copies (``vssadmin delete shadows``, ``wmic shadowcopy delete``) → an erase of a disk;
``bcdedit`` changing the boot store → a write under ``HKLM:\\BCD00000000``; ``icacls`` granting
Everyone, Users or Authenticated Users write → ``chmod -R 777``, other changes → ``chmod``,
``takeown`` → ``chown``; ``net user … /add`` → ``useradd``, ``net localgroup administrators … /add``
→ ``usermod -aG sudo``, ``net stop``/``start SVC`` → ``systemctl``,
``net view``/``share``/``use``/``session``/``statistics``/``config``/``accounts``/``time`` that only
list → nothing; ``sc create``/``config``/``delete``/``failure``/``sdset``… (a service runs as
LocalSystem: only an administrator may) → ``sudo systemctl enable``/``disable NAME``, ``sc stop``/
``start`` → ``systemctl``, ``sc query``… → nothing; ``schtasks /create`` → the task's command
(``/tr``) as cmd runs it, and ``sudo systemctl enable NAME`` when it runs as SYSTEM or with the
highest privileges (``/ru system``, ``/rl highest``), ``/query`` → nothing; ``wmic … get``/``list``
→ nothing.  Their switches may be written ``-x`` as well as ``/x`` (and ``//x``, as Git
Bash users write them so that MSYS leaves them alone)."""

from __future__ import annotations

import re
from collections.abc import Callable

from goalrail.policies.builtins._cmd_words import literal, ps_word
from goalrail.policies.builtins._powershell_cmdlets import Unread

__all__ = ["ADMIN", "ADMIN_NAMES", "admin_words", "schtasks"]

_REG_ROOT = re.compile(r"(?i)^(hkey_local_machine|hkey_current_user|hkey_classes_root|hklm|hkcu|hkcr)[\\/:]*(.*)$")
_REG_DRIVES = {"hklm": "HKLM:", "hkcu": "HKCU:", "hkcr": "HKLM:\\SOFTWARE\\Classes"}
_REG_LONG = {"hkey_local_machine": "hklm", "hkey_current_user": "hkcu", "hkey_classes_root": "hkcr"}
_OPEN = frozenset(["everyone", "*s-1-1-0", "users", "*s-1-5-32-545", "authenticated users", "*s-1-5-11"])
_SWITCHED = re.compile(r"^(?:-|//)([A-Za-z?][^/\\]*)$")
#: `net` subcommands that only list (with no switch that changes anything)
_NET_LISTS = frozenset(["view", "share", "use", "session", "sessions", "statistics", "config", "accounts", "time"])
_NET_LISTS |= frozenset(["file", "files", "help", "helpmsg", "group", "start"])
#: `sc` commands that change a service (an administrator's)
_SC_CHANGES = frozenset(
    ["create", "config", "delete", "failure", "failureflag", "sdset", "privs", "sidtype", "managedaccount"]
)
_SC_CHANGES |= frozenset(["triggerinfo", "description", "preferrednode", "control"])
_SC_READS = frozenset(["query", "queryex", "qc", "qdescription", "qfailure", "qfailureflag", "qsidtype", "qprivs"])
_SC_READS |= frozenset(["qtriggerinfo", "qpreferrednode", "qmanagedaccount", "qprotection", "sdshow", "getdisplayname"])
_SC_READS |= frozenset(["getkeyname", "enumdepend", "showsid", "gettriggerinfo"])


def admin_words(words: list[str]) -> list[str]:
    """An administration program's words with its ``-x`` and ``//x`` switches written ``/x``."""
    return [words[0], *(f"/{m.group(1)}" if (m := _SWITCHED.match(w)) else w for w in words[1:])]


def _reg(switches: list[str], operands: list[str], words: list[str]) -> str:
    if len(words) < 3:
        raise Unread("a `reg` line without its key")
    op, root = words[1].lower(), _REG_ROOT.match(words[2].strip('"'))
    if root is None or op not in ("add", "delete", "query", "save", "export"):
        raise Unread(f"`reg {op[:12]}`")
    short = root.group(1).lower()
    drive = _REG_DRIVES[_REG_LONG.get(short, short)]
    key = literal(f"{drive}\\{root.group(2)}")
    values = {w.lower(): words[i + 1] for i, w in enumerate(words[:-1]) if w.lower() in ("/v", "/d")}
    name = ps_word(values["/v"]) if "/v" in values else "'(default)'"
    if op == "query":
        return f"Get-ItemProperty {key}"
    if op in ("save", "export"):  # the key copied whole to a file (`reg save HKLM\SAM f`: the hive)
        if len(words) < 4 or words[3].startswith("/"):
            raise Unread(f"`reg {op}` without its file")
        return f"Copy-Item -Recurse {key} {ps_word(words[3])}"
    if op == "delete":
        return f"Remove-ItemProperty {key} -Name {name}" if "/v" in values else f"Remove-Item -Recurse -Force {key}"
    return f"Set-ItemProperty {key} -Name {name} -Value {ps_word(values.get('/d', ''))}"


def _icacls(switches: list[str], operands: list[str], words: list[str]) -> str:
    changes = [s for s in switches if s.split(":")[0] not in ("/t", "/c", "/l", "/q")]
    if not changes:
        return "Get-Item " + " , ".join(operands[:1] or ["."])
    granted = " ".join(words).lower()
    world = any(f"{who}:" in granted for who in _OPEN) and re.search(r":\(?[^ ]*\b[fmw]\b", granted) is not None
    mode = "777" if world else "700"
    return f"& chmod {'-R ' if '/t' in switches else ''}{mode} {operands[0] if operands else '.'}"


def _takeown(switches: list[str], operands: list[str], words: list[str]) -> str:
    at = next((i for i, w in enumerate(words) if w.lower() == "/f"), None)
    if at is None or at + 1 >= len(words):
        raise Unread("`takeown` without `/f`")
    return f"& chown {'-R ' if '/r' in switches else ''}$env:USERNAME {ps_word(words[at + 1])}"


def _net(switches: list[str], operands: list[str], words: list[str]) -> str:
    what = words[1].lower() if len(words) > 1 else ""
    names = [w for w in words[2:] if not w.startswith("/")]
    if what == "user" and not names:
        return "& getent passwd"
    if what == "user" and "/add" in switches:
        return "& useradd " + ps_word(names[0])
    if what == "user" and "/delete" in switches:
        return "& userdel " + ps_word(names[0])
    if what == "user" and len(names) >= 2:
        return "& chpasswd"  # sets a password
    if what == "localgroup" and len(names) >= 2 and "/add" in switches:
        group = "sudo" if names[0].lower() in ("administrators", '"administrators"') else ps_word(names[0])
        return f"& usermod -aG {group} {ps_word(names[1])}"
    if what in ("user", "localgroup") and not switches:
        return "& getent group"
    if what in ("stop", "start", "pause", "continue") and names:
        return f"& systemctl {'start' if what in ('start', 'continue') else 'stop'} {ps_word(names[0])}"
    if what in _NET_LISTS and not any(
        s in ("/delete", "/d", "/add", "/set", "/close", "/persistent:yes") for s in switches
    ):
        if what in ("use", "share") and (switches or len(names) > 1 or any("=" in n for n in names)):
            raise Unread(f"`net {what}` that connects or shares")
        return "Out-Null"
    raise Unread(f"`net {what[:12]}`")


def _shadows(switches: list[str], operands: list[str], words: list[str]) -> str:
    text = " ".join(w.lower() for w in words[1:3])
    if text in ("delete shadows", "shadowcopy delete", "resize shadowstorage"):
        return "Clear-Disk -Number 0 -RemoveData"  # the volume's earlier states erased
    if text.startswith(("list ", "shadowcopy list", "shadowcopy get")) or text == "shadowcopy":
        return "Out-Null"
    verbs = {w.lower() for w in words[1:] if not w.startswith("/")}
    if words[0].lower() == "wmic" and verbs & {"get", "list"} and not verbs & {"call", "delete", "set", "create"}:
        return "Out-Null"  # (`wmic os get caption`: a query)
    raise Unread(f"`{words[0][:12]} {text[:24]}`")


def _bcdedit(switches: list[str], operands: list[str], words: list[str]) -> str:
    if not switches or switches[0] in ("/enum", "/v", "/?"):
        return "Get-ItemProperty HKLM:\\BCD00000000"
    return "Set-ItemProperty HKLM:\\BCD00000000 -Name Objects -Value x"  # the boot store changed


def _sc(switches: list[str], operands: list[str], words: list[str]) -> str:
    rest = words[2:] if len(words) > 2 and words[1].startswith("\\\\") else words[1:]  # (`sc \\host create …`)
    verb = rest[0].lower() if rest else ""
    if verb in _SC_READS or not rest:
        return "Out-Null"
    if verb in ("stop", "start", "pause", "continue") and len(rest) > 1:
        return f"& systemctl {'start' if verb in ('start', 'continue') else 'stop'} {ps_word(rest[1])}"
    if verb in _SC_CHANGES and len(rest) > 1:  # a service runs as LocalSystem: an administrator's unit
        off = verb == "delete" or "disabled" in (w.lower() for w in rest)
        return f"& sudo systemctl {'disable' if off else 'enable'} {ps_word(rest[1])}"
    raise Unread(f"`sc {verb[:12]}`")


def schtasks(switches: list[str], operands: list[str], words: list[str], read: Callable[[str], str]) -> str:
    """``schtasks``, with ``read`` the cmd line reader (``_cmd.powershell_code``): the task's command."""
    lower = [w.lower() for w in words]
    if any(s in ("/query", "/end", "/showsid", "/?") for s in switches) or not switches:
        return "Out-Null"
    if "/create" not in switches and "/change" not in switches:
        raise Unread(f"`schtasks {switches[0][:12]}`")
    values = {w: words[i + 1] for i, w in enumerate(lower[:-1]) if w in ("/ru", "/rl", "/tr", "/xml", "/tn")}
    if "/xml" in values:
        raise Unread("`schtasks /create /xml` (the task is in a file)")
    code = read(values["/tr"].strip('"')) if "/tr" in values else ""
    user, level = values.get("/ru", "").lower().strip('"'), values.get("/rl", "").lower()
    if user in ("system", "nt authority\\system", "localsystem") or level == "highest":  # a root timer
        code = f"& sudo systemctl enable {ps_word(values.get('/tn', 'task'))} ; {code}"
    return code or "Out-Null"


ADMIN: dict[str, Callable[[list[str], list[str], list[str]], str]] = {
    "reg": _reg,
    "icacls": _icacls,
    "cacls": _icacls,
    "takeown": _takeown,
    "net": _net,
    "net1": _net,
    "vssadmin": _shadows,
    "wmic": _shadows,
    "bcdedit": _bcdedit,
    "format": lambda s, o, w: "Format-Volume -DriveLetter " + (o[0].rstrip(":") if o else "C"),
    "sc": _sc,
}
#: the administration programs (``schtasks``'s reader is ``_cmd``'s: :func:`schtasks`)
ADMIN_NAMES = frozenset([*ADMIN, "schtasks"])
