"""Dumps of the operating system's credential stores and of other processes' memory, by class.

Reading ``/etc/shadow`` or ``/proc/PID/environ`` is denied; so is a dump of the same thing by
another program: a process's core or minidump (``gcore``, ``gdb -p``, ``procdump -ma lsass.exe``,
``rundll32 comsvcs.dll, MiniDump``, ``Out-Minidump``) holds its environment and the secrets in its
memory; ``reg save HKLM\\SAM``, ``esentutl /y ntds.dit``, ``ntdsutil ifm`` and a copy out of a shadow
copy are the Windows hives' password hashes; ``keyctl print``, ``Get-StoredCredential``, a browser's
cookies are stores of their own.  Listing stays allowed (``ps aux``, ``tasklist``, ``cmdkey /list``,
``security list-keychains``), and the Windows programs that act on what a file holds (``reg
import``, ``schtasks /run``, ``net use`` with a password) stay asked."""

from __future__ import annotations

import pytest

from .shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, event, verdict

EVERY = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

#: another process's memory, dumped: denied by every template (as `cat /proc/PID/environ` is)
MEMORY = [
    "gcore 1234",
    "gcore -o /tmp/core 1234",
    "gdb -p 1234 -batch -ex 'dump memory /tmp/m 0x1000 0x2000'",
    "gdb --pid=1234 -batch -ex generate-core-file",
    "gdb -batch -ex 'attach 1234' -ex gcore",
    "gdb ./server 1234",
    "lldb -p 1234 --batch -o 'process save-core /tmp/c'",
    "lldb -n sshd",
    "procdump -ma lsass.exe lsass.dmp",
    "procdump64.exe -accepteula -ma lsass.exe out.dmp",
    "procdump -p 1234",
    "PROCDUMP.EXE -MA 624",
    "gdb -q -p 1234",
    "rundll32 C:\\windows\\System32\\comsvcs.dll, MiniDump 624 out.dmp full",
    "rundll32.exe comsvcs.dll '#24' 624 C:\\temp\\l.dmp full",
    'powershell -c "Get-Process lsass | Out-Minidump"',
    'pwsh -NoProfile -Command "Invoke-Mimikatz -DumpCreds"',
    'mimikatz "privilege::debug" "sekurlsa::logonpasswords" exit',
    "mimikatz.exe lsadump::sam exit",
    "pypykatz lsa minidump lsass.dmp",
    "lsassy -u admin -d corp 10.0.0.1",
    "secretsdump.py -sam sam.hive -system sys.hive LOCAL",
    "impacket-secretsdump -just-dc corp/admin@dc",
    "createdump 1234",
    "sqldumper.exe 1234 0 0x01100",
    "dd if=/proc/1234/mem of=/tmp/m bs=1 skip=4096 count=100",
    "python3 -c \"f=open('/proc/1234/mem','rb'); f.seek(4096); print(f.read(100))\"",
    "cat /proc/1234/mem > /tmp/m",
    "ssh build-host gcore 1234",
    "docker exec ci gcore 1",
    "bash -c 'gdb -p 1 -batch -ex bt'",
    "nice -n 5 gcore 1234",
    "/usr/bin/gcore 1234",
]


@pytest.mark.parametrize("name", sorted(EVERY))
@pytest.mark.parametrize("command", MEMORY)
def test_a_dump_of_another_process_is_denied_as_its_environment_is(name: str, command: str) -> None:
    assert verdict(EVERY[name], command) == "DENY", (name, command)


#: the operating system's credential stores, dumped or copied: denied where reading one is
STORES = [
    "reg save HKLM\\SAM sam.hive",
    "reg save HKLM\\SYSTEM sys.hive",
    "reg save HKLM\\SECURITY sec.hive",
    "reg.exe save hklm\\sam C:\\temp\\sam",
    'reg save "HKEY_LOCAL_MACHINE\\SAM" sam.hive /y',
    "reg export HKLM\\SAM sam.reg",
    "reg export HKLM\\SECURITY sec.reg /y",
    "cmd /c reg save HKLM\\SAM sam.hive",
    'cmd.exe /c "reg save HKLM\\SYSTEM C:\\t\\s"',
    'powershell -c "reg save HKLM\\SAM sam.hive"',
    "esentutl /y /vss C:\\Windows\\NTDS\\ntds.dit /d C:\\temp\\ntds.dit",
    "esentutl.exe /y /vss c:\\windows\\ntds\\ntds.dit /d out.dit",
    'esentutl /y "C:\\Windows\\System32\\config\\SAM" /vss /d sam',
    'ntdsutil "ac i ntds" "ifm" "create full c:\\temp" q q',
    'ntdsutil.exe "activate instance ntds" ifm "create full C:\\x" quit quit',
    'cmd /c "copy \\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\Windows\\System32\\config\\SAM C:\\t\\x"',
    'cmd /c "copy C:\\Windows\\System32\\config\\SYSTEM C:\\t\\x"',
    "powershell -c \"Copy-Item '\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\Windows\\NTDS\\ntds.dit' C:\\t\"",
    "cat /mnt/c/Windows/System32/config/SAM",
    "cp /mnt/c/Windows/NTDS/ntds.dit .",
    "cp /mnt/c/Windows/System32/config/RegBack/SECURITY /tmp/s",
    "cat /etc/shadow",
    "cp /etc/shadow /tmp/x",
    "cat /etc/gshadow",
    "tar czf /tmp/x.tgz /etc/shadow",
    "cat ~/AppData/Roaming/Microsoft/Credentials/DFBE70A7E5CC19A398EBF1B96859CE5D",
    "cat ~/AppData/Roaming/Microsoft/Protect/S-1-5-21-1/0a1b",
    "Get-StoredCredential -Target github",
    'powershell -c "Get-StoredCredential -Target x"',
    "keyctl print 12345",
    "keyctl pipe %user:token",
    "keyctl read 12345",
]


@pytest.mark.parametrize("name", ["strict", "soc2", "hipaa"])
@pytest.mark.parametrize("command", STORES)
def test_a_dump_of_a_credential_store_is_denied(name: str, command: str) -> None:
    assert verdict(EVERY[name], command) == "DENY", (name, command)


#: browsers' cookies and saved cards: sessions, as their saved logins are
BROWSERS = [
    "sqlite3 ~/.config/google-chrome/Default/Cookies 'select * from cookies'",
    "cat ~/.config/google-chrome/Default/Cookies",
    "cp ~/.config/google-chrome/Default/Network/Cookies /tmp/c",
    "cp ~/.config/google-chrome/Profile\\ 1/Web\\ Data /tmp/w",
    "sqlite3 ~/.mozilla/firefox/abcd.default-release/cookies.sqlite .dump",
    "cat ~/.config/BraveSoftware/Brave-Browser/Default/Cookies",
    "cp ~/.config/microsoft-edge/Default/Login\\ Data /tmp/x",
    'cp "$HOME/AppData/Local/Google/Chrome/User Data/Default/Login Data" x',
    'cp "$HOME/Library/Application Support/Google/Chrome/Default/Cookies" x',
    "cat ~/Library/Cookies/Cookies.binarycookies",
]


@pytest.mark.parametrize("name", ["strict", "soc2", "hipaa"])
@pytest.mark.parametrize("command", BROWSERS)
def test_a_browsers_cookie_store_is_a_credential_store(name: str, command: str) -> None:
    assert verdict(EVERY[name], command) == "DENY", (name, command)


#: changes outside the workspace the same rules meet under other names
CHANGES = [
    ("strict", "puppet resource user root ensure=absent", "DENY"),
    ("soc2", "puppet resource user root ensure=absent", "DENY"),
    ("permissive", "puppet resource service nginx ensure=stopped", "DENY"),
    ("strict", "puppet --verbose resource file /etc/x ensure=absent", "DENY"),
    ("strict", "python -m venv /etc/x", "DENY"),
    ("strict", "python3 -m venv --prompt x /etc/x", "DENY"),
    ("strict", "virtualenv -p python3 /etc/x", "DENY"),
    ("strict", "uv venv /etc/x", "DENY"),
    ("strict", "pip install --target=/etc/x foo", "DENY"),
    ("strict", "kubectl cp web-0:/var/run/secrets/kubernetes.io/serviceaccount/token ./t", "DENY"),
    ("soc2", "kubectl cp -n prod web-0:/home/app/.git-credentials ./c", "DENY"),
    ("strict", "kubectl cp pod:/srv/app.log ./app.log", "ASK"),
    ("strict", "kubectl cp pod:/tmp/x /etc/x", "DENY"),
]


@pytest.mark.parametrize(("name", "command", "expected"), CHANGES)
def test_the_same_change_under_another_name(name: str, command: str, expected: str) -> None:
    assert verdict(EVERY[name], command) == expected, (name, command)


#: near misses: their verdicts under strict as before
CONTROLS = [
    ("ps aux", "ALLOW"),
    ("tasklist", "ALLOW"),
    ("tasklist | findstr lsass", "ALLOW"),
    ("reg query HKCU\\Software\\X", "ALLOW"),
    ("cat /proc/cpuinfo", "DENY"),
    ("cat /proc/self/status", "DENY"),
    ("gh auth status", "ALLOW"),
    ("security list-keychains", "ALLOW"),
    ("keyctl show", "ALLOW"),
    ("cmdkey /list", "ALLOW"),
    ('vaultcmd /listcreds:"Windows Credentials" /all', "ALLOW"),
    ("gdb ./a.out core", "ALLOW"),
    ("gdb -n -batch -ex run ./prog", "ALLOW"),
    ("lldb ./a.out", "ALLOW"),
    ("gdb --args ./prog 1234", "ALLOW"),
    ("cat ~/.config/google-chrome/Default/Preferences", "ALLOW"),
    ("puppet resource user root", "ALLOW"),
    ("puppet parser validate site.pp", "ALLOW"),
    ("kubectl cp ./x pod:/tmp/x", "ALLOW"),
    ("kubectl get pods", "ALLOW"),
    ("pip install -r requirements.txt", "ALLOW"),
    ("pg_dump -f out.sql app", "ASK"),  # (a file written in the project, as `pg_dump app > out.sql` is)
    ("reg import evil.reg", "DENY"),  # (a file not shown may set a Run key: strict_persist_shell)
    ("schtasks /run /tn X", "ASK"),
    ("vssadmin create shadow /for=C:", "ASK"),
    ("net use \\\\host\\c$ /user:admin Sup3rS3cret", "ASK"),
    ("powershell -c \"[Security.Cryptography.ProtectedData]::Unprotect($b, $null, 'CurrentUser')\"", "ASK"),
]


@pytest.mark.parametrize(("command", "expected"), CONTROLS)
def test_near_misses_keep_their_verdict(command: str, expected: str) -> None:
    assert verdict(STRICT, command) == expected, command


@pytest.mark.parametrize("name", ["soc2", "hipaa"])
@pytest.mark.parametrize("command", ["python -m venv .venv", "cat /etc/passwd", "reg query HKLM\\SOFTWARE\\X"])
def test_other_templates_leave_the_near_misses_allowed(name: str, command: str) -> None:
    assert verdict(EVERY[name], command) == "ALLOW", (name, command)


@pytest.mark.parametrize(
    "command",
    [
        "net use \\\\host\\c$ /user:admin Sup3rS3cret",
        'cmd /c "net use \\\\host\\c$ /user:admin Sup3rS3cret /persistent:no"',
        "powershell -c 'net use \\\\host\\c$ Sup3rS3cret /user:admin'",
    ],
)
def test_a_password_on_the_line_is_not_echoed(command: str) -> None:
    for policy in EVERY.values():
        res = policy(event("Bash", {"command": command}))
        assert res is not None and res["result"] == "ASK"
        assert "Sup3rS3cret" not in str(res)
