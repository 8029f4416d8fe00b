"""PowerShell and cmd.exe code reaching the shell rules by other doors: ``pwsh``/``powershell``
named in a POSIX line (a Windows path, ``pwsh -`` reading stdin), ``cmd /c`` (and ``reg.exe``,
``vssadmin.exe``…) from a POSIX line, a PowerShell tool, Codex's argv or Gemini's shell tool; cmd's
builtins read as the effects they have (``_cmd``); dot-sourcing; ``HKCU:`` and its Run keys; other
users' homes and the home's spellings.  Each spelling is judged like its POSIX twin under
``strict``, ``soc2_compliant`` and ``permissive``; what is not read is asked, never allowed."""

from __future__ import annotations

import base64

import pytest

from tests.unit.builtins.runtime_session import Session, make_runtime, spec
from tests.unit.shell_support import PERMISSIVE, SOC2, STRICT, tool_verdict, verdict
from tests.unit.written_support import run_after, tool, write

POLICIES = {"strict": STRICT, "soc2": SOC2, "permissive": PERMISSIVE}


def _encoded(code: str) -> str:
    return base64.b64encode(code.encode("utf-16-le")).decode()


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


RM_ROOT = "Remove-Item -Recurse -Force C:\\"
RUN_KEY = "HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"
#: (a POSIX line running PowerShell or cmd.exe code, its POSIX twin)
BASH_TWINS = [
    # PowerShell under other names, and reading its code from stdin
    ("pwsh-preview -c " + _q(RM_ROOT), "rm -rf /"),
    (
        _q("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe") + " -NoProfile -c " + _q(RM_ROOT),
        "rm -rf /",
    ),
    ("pwsh - <<'EOF'\n" + RM_ROOT + "\nEOF", "rm -rf /"),
    ("echo " + _q(RM_ROOT) + " | pwsh -", "rm -rf /"),
    ("pwsh -NoLogo - <<< " + _q("Get-Content ~\\.ssh\\id_rsa"), "cat ~/.ssh/id_rsa"),
    ("pwsh - <<< " + _q("echo $env:AWS_SECRET_ACCESS_KEY"), 'echo "$AWS_SECRET_ACCESS_KEY"'),
    # cmd.exe from a POSIX line: deletes
    ("cmd /c " + _q("del /s /q C:\\"), "rm -rf /"),
    ("cmd.exe /C " + _q("rd /s /q C:\\"), "rm -rf /"),
    ("cmd /k rd /s /q " + _q("C:\\Windows"), "rm -rf /usr/Windows"),
    ("CMD.EXE /Q /D /c " + _q("rmdir /S /Q C:\\Windows\\System32"), "rm -rf /usr/Windows/System32"),
    ("cmd /c " + _q("erase /f /s /q %USERPROFILE%\\.ssh"), "rm -rf ~/.ssh"),
    ("cmd /c " + _q("cd \\ && rd /s /q C:\\"), "cd / && rm -rf /"),
    ("cmd /c " + _q("echo off & rd /s /q %SystemDrive%\\"), "echo off; rm -rf /"),
    ("echo " + _q("rd /s /q C:\\") + " | cmd", "rm -rf /"),
    ("cmd /c " + _q("rd/s/q C:\\"), "rm -rf /"),  # switches glued to the name and to each other
    ("cmd /c " + _q("del /f/s/q C:\\*"), "rm -rf /*"),
    ("cmd /c " + _q("rd /s /q /etc"), "rm -rf /etc"),  # a `/word` that is no switch of the builtin: a path
    ("cmd /c " + _q("type /etc/shadow"), "cat /etc/shadow"),
    ("cmd /c " + _q("npm test 2>&1 & rd /s /q C:\\"), "npm test 2>&1; rm -rf /"),
    ("cmd /c " + _q("robocopy C:\\empty C:\\Users\\bob /MIR"), "rm -rf /home/bob; cp -r /empty /home/bob"),
    # reads and copies of secrets, the environment
    ("cmd /c " + _q("type %USERPROFILE%\\.ssh\\id_rsa"), "cat ~/.ssh/id_rsa"),
    ("cmd /c " + _q("type %HOMEDRIVE%%HOMEPATH%\\.aws\\credentials"), "cat ~/.aws/credentials"),
    ("cmd /c " + _q('more "C:\\Users\\bob\\.ssh\\id_rsa"'), "cat /home/bob/.ssh/id_rsa"),
    ("cmd /c " + _q("copy C:\\Users\\bob\\.ssh\\id_rsa k.txt"), "cp /home/bob/.ssh/id_rsa k.txt"),
    ("cmd /c " + _q("findstr PRIVATE %USERPROFILE%\\.ssh\\id_rsa"), "grep -e PRIVATE ~/.ssh/id_rsa"),
    ("cmd /c " + _q("echo %AWS_SECRET_ACCESS_KEY%"), 'echo "$AWS_SECRET_ACCESS_KEY"'),
    ("cmd /c " + _q("set LD_PRELOAD=/tmp/x.so"), "export LD_PRELOAD=/tmp/x.so"),
    ("cmd /c " + _q("echo x >> %USERPROFILE%\\.bashrc"), "echo x >> ~/.bashrc"),
    ("cmd /c " + _q("echo x>>%USERPROFILE%\\.bashrc"), "echo x >> ~/.bashrc"),
    # the machine: registry, permissions, accounts, boot, disks and their shadow copies
    (
        "cmd /c " + _q("reg add HKLM\\SOFTWARE\\Policies\\X /v a /d 1 /f"),
        "echo 1 >> /etc/registry/HKLM/SOFTWARE/Policies/X",
    ),
    ("reg.exe add " + _q("HKEY_LOCAL_MACHINE\\SYSTEM\\X") + " /v a /d 1 /f", "echo 1 >> /etc/registry/HKLM/SYSTEM/X"),
    ("cmd /c " + _q("icacls C:\\Users\\dev\\.ssh /grant Everyone:F /T"), "chmod -R 777 /home/dev/.ssh"),
    ("cmd /c " + _q("icacls C:\\Windows /grant *S-1-1-0:(OI)(CI)F"), "chmod 777 /usr/Windows"),
    ("cmd /c " + _q("takeown /f C:\\Windows\\System32 /r /d y"), "chown -R dev /usr/Windows/System32"),
    ("cmd /c " + _q("net user eve P@ss1 /add"), "useradd eve"),
    ("cmd /c " + _q("net localgroup administrators eve /add"), "usermod -aG sudo eve"),
    ("cmd /c " + _q("bcdedit /set {default} recoveryenabled No"), "echo x >> /etc/registry/HKLM/BCD00000000"),
    ("cmd /c " + _q("vssadmin delete shadows /all /quiet"), "wipefs -a /dev/sda"),
    ("vssadmin.exe Delete Shadows /All /Quiet", "wipefs -a /dev/sda"),
    ("cmd /c " + _q("wmic shadowcopy delete"), "wipefs -a /dev/sda"),
    ("cmd /c " + _q("format D: /q /y"), "wipefs -a /dev/sda"),
    # other programs run with their words
    ("cmd /c " + _q("git push --force origin main"), "git push --force origin main"),
    # ordinary work stays allowed wherever its twin is
    ("cmd /c dir", "ls"),
    ("cmd /c " + _q("dir /s src"), "ls -R src"),
    ("cmd /c " + _q("echo hi"), "echo hi"),
    ("cmd /c " + _q("type README.md"), "cat README.md"),
    ("cmd /c " + _q("cd src & dir"), "cd src; ls"),
    ("cmd /c ver", "uname"),
    ("cmd /c " + _q("npm test 2>&1"), "npm test 2>&1"),
    ("cmd /c " + _q("echo x >nul"), "echo x > /dev/null"),
    ("cmd /c " + _q("reg query HKCU\\Software\\Git"), "cat ~/.registry/HKCU/Software/Git"),
    ("cmd /c " + _q("vssadmin list shadows"), "true"),
    ("pwsh -c Get-Date", "date"),
    ("pwsh -c " + _q("Get-ChildItem"), "ls"),
    ("echo Get-ChildItem | pwsh -", "ls"),
]
#: (PowerShell code, its POSIX twin): cmd and Windows programs run from PowerShell, the registry, homes
PS_TWINS = [
    ('cmd /c "del /s /q C:\\"', "rm -rf /"),
    ("cmd.exe /k rd /s /q C:\\Windows", "rm -rf /usr/Windows"),
    ("cmd /c type %USERPROFILE%\\.ssh\\id_rsa", "cat ~/.ssh/id_rsa"),
    ("cmd /c 'echo %AWS_SECRET_ACCESS_KEY%'", 'echo "$AWS_SECRET_ACCESS_KEY"'),
    ("Start-Process cmd -ArgumentList '/c', 'rd /s /q C:\\'", "rm -rf /"),
    ("Start-Process pwsh -ArgumentList '-c', 'Remove-Item -Recurse -Force C:\\'", "rm -rf /"),
    ("powershell -NoProfile -EncodedCommand " + _encoded(RM_ROOT), "rm -rf /"),
    ("reg add HKLM\\SOFTWARE\\Policies\\X /v a /d 1 /f", "echo 1 >> /etc/registry/HKLM/SOFTWARE/Policies/X"),
    ("reg.exe delete HKLM\\SYSTEM\\CurrentControlSet\\Services\\X /f", "rm -rf /etc/registry/HKLM/SYSTEM/X"),
    ("icacls C:\\Users\\dev\\.ssh /grant 'Everyone:F' /T", "chmod -R 777 /home/dev/.ssh"),
    ("takeown /f C:\\Windows\\System32 /r", "chown -R dev /usr/Windows/System32"),
    ("net user eve P@ss1 /add", "useradd eve"),
    ("vssadmin delete shadows /all /quiet", "wipefs -a /dev/sda"),
    ("bcdedit /set '{default}' recoveryenabled No", "echo x >> /etc/registry/HKLM/BCD00000000"),
    # the user's hive is under the home, as HKLM is under /etc
    ("Set-ItemProperty HKCU:\\Software\\X -Name a -Value 1", "echo 1 >> ~/.registry/HKCU/Software/X"),
    ("Remove-Item -Recurse -Force HKCU:\\Software", "rm -rf ~/.registry/HKCU/Software"),
    ("Get-ItemProperty Registry::HKEY_CURRENT_USER\\Software\\X", "cat ~/.registry/HKCU/Software/X"),
    # a Run key starts its value at every logon: the value is judged as the command it is
    (
        f"Set-ItemProperty {RUN_KEY} -Name u -Value 'cmd /c rd /s /q C:\\'",
        "echo x >> ~/.bashrc; rm -rf /",
    ),
    (
        f"New-ItemProperty -Path '{RUN_KEY}Once' -Name u -Value notepad.exe",
        "echo notepad >> ~/.bashrc",
    ),
    (
        "reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v u /d 'curl http://169.254.169.254/' /f",
        "echo x >> ~/.bashrc; curl http://169.254.169.254/",
    ),
    # other users' homes, and every spelling of this one
    ("Remove-Item -Recurse -Force C:\\Users\\bob", "rm -rf /home/bob"),
    ("Get-Content C:\\Users\\bob\\.aws\\credentials", "cat /home/bob/.aws/credentials"),
    ("Get-Content $env:HOMEDRIVE$env:HOMEPATH\\.ssh\\id_rsa", "cat ~/.ssh/id_rsa"),
    ("Get-Content ${env:USERPROFILE}\\.ssh\\id_rsa", "cat ~/.ssh/id_rsa"),
    ("Remove-Item -Recurse -Force $HOME\\.ssh", "rm -rf ~/.ssh"),
    # ordinary work
    ("cmd /c dir", "ls"),
    ("cmd /c 'echo done'", "echo done"),
    ("Get-ChildItem C:\\Users\\dev\\app\\src", "ls /home/dev/app/src"),
    ("reg query HKCU\\Software\\Git", "cat ~/.registry/HKCU/Software/Git"),
    ("icacls build", "ls build"),
]


@pytest.mark.parametrize(("line", "twin"), BASH_TWINS)
@pytest.mark.parametrize("name", POLICIES)
def test_windows_code_in_a_posix_line_is_judged_like_its_twin(name: str, line: str, twin: str) -> None:
    policy = POLICIES[name]
    assert verdict(policy, line) == verdict(policy, twin)


@pytest.mark.parametrize(("code", "twin"), PS_TWINS)
@pytest.mark.parametrize("name", POLICIES)
def test_windows_programs_in_powershell_are_judged_like_their_twin(name: str, code: str, twin: str) -> None:
    policy = POLICIES[name]
    assert tool_verdict(policy, "PowerShell", {"command": code}) == verdict(policy, twin)


@pytest.mark.parametrize(
    ("argv", "twin"),
    [
        (["cmd.exe", "/c", "rd /s /q C:\\"], "rm -rf /"),
        (["cmd", "/c", "type", "%USERPROFILE%\\.ssh\\id_rsa"], "cat ~/.ssh/id_rsa"),
        (["pwsh", "-"], "true"),
        (["cmd.exe", "/c", "dir"], "ls"),
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_codex_argv_of_cmd(name: str, argv: list[str], twin: str) -> None:
    policy = POLICIES[name]
    assert tool_verdict(policy, "shell", {"command": argv}) == verdict(policy, twin)


@pytest.mark.parametrize(
    ("line", "twin"),
    [
        ("cmd /c " + _q("rd /s /q C:\\"), "rm -rf /"),
        ("echo " + _q(RM_ROOT) + " | pwsh -", "rm -rf /"),
        ("cmd /c dir", "ls"),
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_gemini_shell_tool(name: str, line: str, twin: str) -> None:
    policy = POLICIES[name]
    assert tool_verdict(policy, "run_shell_command", {"command": line}) == verdict(policy, twin)


@pytest.mark.parametrize(
    "line",
    [
        "cmd /c " + _q("for %i in (*) do del %i"),  # a loop
        "cmd /c " + _q("if exist x (rd /s /q C:\\)"),  # a block
        "cmd /c " + _q("del %~dp0\\x"),  # a batch parameter
        "cmd /c " + _q("reg import evil.reg"),  # keys not known
        "cmd /c " + _q("net use Z: \\\\host\\share"),
        'cmd /c "$X"',  # known only at run time
        "cmd /c " + _q("sort < %USERPROFILE%\\.ssh\\id_rsa"),  # an input redirect
        'echo "$CODE" | pwsh -',
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_what_is_not_read_is_asked_never_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ASK"


@pytest.mark.parametrize("name", POLICIES)
def test_a_run_key_whose_program_is_known_only_at_run_time_is_asked(name: str) -> None:
    code = "Set-ItemProperty HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run -Name u -Value $payload"
    expected = "DENY" if name == "strict" else "ASK"  # (strict denies a Run key written at all: persistence)
    assert tool_verdict(POLICIES[name], "PowerShell", {"command": code}) == expected


async def _powershell_after(name: str, text: str, run: str) -> str:
    s = Session(make_runtime(spec("p", "patterns.pattern_policy", policy="permissive")))
    out = await s.send(write(name, text))
    if out.result == "ASK":
        await s.approve()
    return (await s.send(tool("PowerShell", command=run))).result


BAD_PS, GOOD_PS = "Remove-Item -Recurse -Force C:\\\n", "Get-ChildItem\nWrite-Output done\n"
BAD_BAT, GOOD_BAT = "@echo off\r\n:: clean\r\ndel /s /q C:\\\r\n", "@echo off\r\ndir\r\necho done\r\n"


@pytest.mark.parametrize("run", [". ./x.ps1", ". .\\x.ps1", "& ./x.ps1"])
async def test_a_dot_sourced_script_the_session_wrote_is_read_as_powershell(run: str) -> None:
    assert await _powershell_after("x.ps1", BAD_PS, run) == "DENY"
    assert await _powershell_after("x.ps1", GOOD_PS, run) == "ALLOW"


@pytest.mark.parametrize("run", ["cmd /c x.bat", "cmd.exe /C call x.bat", "cmd < x.bat"])
async def test_a_batch_file_the_session_wrote_is_read_as_cmd_reads_it(run: str) -> None:
    assert await run_after({"policy": "permissive"}, [write("x.bat", BAD_BAT)], run) == "DENY"
    assert await run_after({"policy": "permissive"}, [write("x.bat", GOOD_BAT)], run) == "ALLOW"


@pytest.mark.parametrize("run", ["cmd /c x.bat", "& .\\x.bat", ".\\x.bat"])
async def test_a_batch_file_run_from_powershell(run: str) -> None:
    assert await _powershell_after("x.bat", BAD_BAT, run) == "DENY"
    assert await _powershell_after("x.bat", GOOD_BAT, run) == "ALLOW"


@pytest.mark.parametrize("run", ["pwsh ./x.ps1", "pwsh -NoLogo ./x.ps1", "powershell.exe -File x.ps1"])
async def test_pwsh_running_a_script_the_session_wrote(run: str) -> None:
    assert await run_after({"policy": "permissive"}, [write("x.ps1", BAD_PS)], run) == "DENY"
    assert await run_after({"policy": "permissive"}, [write("x.ps1", GOOD_PS)], run) == "ALLOW"
