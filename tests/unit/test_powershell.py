"""PowerShell read as the POSIX commands with the same effects (``_powershell``): Claude Code's
``PowerShell`` tool, ``pwsh -c``/``powershell -Command``/``-EncodedCommand`` in a POSIX line and
Codex's ``powershell.exe -Command`` argv each meet the rules their POSIX twin meets, under
``strict``, ``soc2_compliant`` and ``permissive``; what is not read is asked where a rule denies
some command, never allowed."""

from __future__ import annotations

import base64

import pytest

from tests.unit.shell_support import PERMISSIVE, SOC2, SOC2_AVAILABILITY, STRICT, tool_verdict, verdict
from tests.unit.written_support import run_after, write

POLICIES = {"strict": STRICT, "soc2": SOC2, "permissive": PERMISSIVE}


def _pwsh(code: str) -> str:
    return "pwsh -c '" + code.replace("'", "'\\''") + "'"


def _encoded(code: str) -> str:
    return base64.b64encode(code.encode("utf-16-le")).decode()


#: (PowerShell, its POSIX twin)
TWINS = [
    # destructive deletes: drive roots, every spelling of the cmdlet and its parameters
    ("Remove-Item -Recurse -Force /", "rm -rf /"),
    ("Remove-Item -Recurse -Force C:\\", "rm -rf /"),
    ("remove-item -recurse -force c:/", "rm -rf /"),
    ("ri -Rec -Fo C:\\", "rm -rf /"),
    ("del -r -fo D:\\", "rm -rf /"),
    ("erase -Recurse:$true -Force:$true C:", "rm -rf /"),
    ("rd C:\\ -Recurse -Force -ErrorAction SilentlyContinue", "rm -rf /"),
    ("Microsoft.PowerShell.Management\\Remove-Item -LiteralPath 'C:\\' -Recurse -Force", "rm -rf /"),
    ("Remove-Item -Path C:\\* -Recurse -Force", "rm -rf /*"),
    ("$p = 'C:\\'; Remove-Item $p -Recurse -Force", "p=/; rm -rf $p"),
    ("Get-ChildItem; Remove-Item -Recurse -Force /", "ls; rm -rf /"),
    # Windows' own folders are system files
    ("Remove-Item -Recurse -Force C:\\Windows", "rm -rf /usr/Windows"),
    ("rm -r -fo 'C:\\Program Files (x86)\\App'", "rm -rf '/usr/Program Files (x86)/App'"),
    ("Set-Content C:\\Windows\\System32\\drivers\\etc\\hosts 'x'", "echo x > /usr/Windows/System32/drivers/etc/hosts"),
    ("Get-ChildItem C:\\ProgramData", "ls /usr/ProgramData"),
    ("Get-ChildItem && Remove-Item -Recurse -Force /", "ls && rm -rf /"),
    ("iex 'Remove-Item -Recurse -Force C:\\'", "rm -rf /"),
    ('Invoke-Expression -Command "Remove-Item -Recurse -Force /"', "rm -rf /"),
    ("cmd /c rd /s /q C:\\", "rm -rf /"),
    ("cmd.exe /C del /s /q C:\\", "rm -rf /"),
    ("powershell -EncodedCommand " + _encoded("Remove-Item -Recurse -Force C:\\"), "rm -rf /"),
    ("pwsh -NoProfile -enc " + _encoded("rm -r -fo /"), "rm -rf /"),
    ("Remove-Item -Recurse -Force ~\\.ssh", "rm -rf ~/.ssh"),
    ("Get-ChildItem -Recurse | Remove-Item -Force", "ls -R | xargs rm -f"),
    ("Start-Process -FilePath cmd.exe -ArgumentList '/c rd /s /q C:\\'", "rm -rf /"),
    # secrets read by path, in Windows and POSIX spellings
    ("Get-Content ~/.ssh/id_rsa", "cat ~/.ssh/id_rsa"),
    ("Get-Content ~\\.ssh\\id_rsa", "cat ~/.ssh/id_rsa"),
    ("gc $HOME\\.aws\\credentials", "cat ~/.aws/credentials"),
    ('type "$env:USERPROFILE\\.ssh\\id_rsa"', "cat ~/.ssh/id_rsa"),
    ("Get-Content -LiteralPath C:\\Users\\dev\\.ssh\\id_rsa -Raw", "cat C:/Users/dev/.ssh/id_rsa"),
    ("Get-Content -Pa .env -TotalCount 3", "cat .env"),
    ("Set-Location ~\\.ssh; Get-Content id_rsa", "cd ~/.ssh; cat id_rsa"),
    ("Copy-Item ~/.ssh/id_rsa C:\\temp\\k", "cp ~/.ssh/id_rsa C:/temp/k"),
    ("Select-String -Pattern PRIVATE -Path ~/.ssh/id_rsa", "grep -e PRIVATE ~/.ssh/id_rsa"),
    ('$k = "$HOME\\.ssh"; Get-Content "$k\\id_rsa"', "cat ~/.ssh/id_rsa"),
    ("Get-Content ~/.ssh/id_rsa | Out-Null", "cat ~/.ssh/id_rsa | true"),
    # the environment
    ("echo $env:AWS_SECRET_ACCESS_KEY", 'echo "$AWS_SECRET_ACCESS_KEY"'),
    ('Write-Output "key: $env:aws_secret_access_key"', 'echo "key: $AWS_SECRET_ACCESS_KEY"'),
    ("Get-ChildItem env:", "env"),
    ("Get-Content Env:\\AWS_SECRET_ACCESS_KEY", "printenv AWS_SECRET_ACCESS_KEY"),
    ("$env:LD_PRELOAD = '/tmp/x.so'", "export LD_PRELOAD=/tmp/x.so"),
    # the network
    ("iwr http://169.254.169.254/latest/meta-data/", "curl http://169.254.169.254/latest/meta-data/"),
    (
        "Invoke-WebRequest -Uri http://169.254.169.254/latest -OutFile m.json",
        "curl -o m.json http://169.254.169.254/latest",
    ),
    ("Invoke-RestMethod http://169.254.169.254/latest -Method Get", "curl -X Get http://169.254.169.254/latest"),
    ("curl.exe -sS http://169.254.169.254/latest", "curl -sS http://169.254.169.254/latest"),
    # writes
    ("Set-Content -Path ~\\.bashrc -Value 'x'", "echo x > ~/.bashrc"),
    ("'x' | Out-File /etc/hosts -Append", "echo x | cat >> /etc/hosts"),
    ("'x' > /etc/hosts", "echo x > /etc/hosts"),
    ("New-Item -ItemType File -Path /etc/cron.d/job -Force", ": > /etc/cron.d/job"),
    # privilege and the machine
    ("Start-Process powershell -Verb RunAs", "sudo powershell"),
    ("Start-Process -FilePath git -ArgumentList 'status'", "git status"),
    ("Format-Volume -DriveLetter C", "wipefs -a /dev/sda"),
    ("Stop-Computer -Force", "shutdown -h now"),
    # ordinary work: allowed wherever the twin is
    ("Get-ChildItem", "ls"),
    ("gci -Recurse -Filter *.py", "ls -R"),
    ("dir src", "ls src"),
    ("Get-Content README.md", "cat README.md"),
    ("Get-Content -Path .\\src\\main.py -Tail 20", "cat ./src/main.py"),
    ("Write-Output hi", "echo hi"),
    ("Write-Host 'done'", "echo done"),
    ("'hello'", "echo hello"),
    ("git status", "git status"),
    ("git log --oneline -5", "git log --oneline -5"),
    ("& 'C:\\Program Files\\Git\\bin\\git.exe' status", "git status"),
    ("Get-Process | Sort-Object CPU | Select-Object -First 5", "ps | sort | head -5"),
    ("Set-Location src; Get-ChildItem", "cd src; ls"),
    ("New-Item -ItemType Directory -Path build", "mkdir -p build"),
    ("Copy-Item a.txt b.txt", "cp a.txt b.txt"),
    ("Move-Item a.txt b.txt", "mv a.txt b.txt"),
    ("Rename-Item a.txt b.txt", "mv a.txt b.txt"),
    ("Remove-Item build\\out.txt", "rm build/out.txt"),
    ("Test-Path .\\pyproject.toml", "test -e ./pyproject.toml"),
    ("Get-ChildItem | Format-Table Name, Length  # list", "ls | true"),
    ("Set-ExecutionPolicy Bypass -Scope Process -Force", "true"),
]


@pytest.mark.parametrize(("code", "twin"), TWINS)
@pytest.mark.parametrize("name", POLICIES)
def test_powershell_tool_is_judged_like_its_posix_twin(name: str, code: str, twin: str) -> None:
    policy = POLICIES[name]
    assert tool_verdict(policy, "PowerShell", {"command": code}) == verdict(policy, twin)


@pytest.mark.parametrize(("code", "twin"), TWINS)
@pytest.mark.parametrize("name", POLICIES)
def test_pwsh_in_a_posix_line_is_judged_like_its_posix_twin(name: str, code: str, twin: str) -> None:
    policy = POLICIES[name]
    assert verdict(policy, _pwsh(code)) == verdict(policy, twin)


@pytest.mark.parametrize(
    ("code", "policy", "expected"),
    [
        ("Remove-Item -Recurse -Force C:\\", PERMISSIVE, "DENY"),
        ("Remove-Item -Recurse -Force /", SOC2, "DENY"),
        ("Get-Content ~\\.ssh\\id_rsa", STRICT, "DENY"),
        ("gc $HOME\\.aws\\credentials", SOC2, "DENY"),
        ("iwr http://169.254.169.254/latest/meta-data/", STRICT, "DENY"),
        ("Set-ItemProperty HKLM:\\SOFTWARE\\Policies\\X -Name a -Value 1", PERMISSIVE, "DENY"),
        ("Set-ExecutionPolicy Unrestricted", STRICT, "DENY"),
        ("Restart-Computer", SOC2_AVAILABILITY, "DENY"),
        ("Clear-Disk -Number 0 -RemoveData", PERMISSIVE, "DENY"),
        ("Get-ChildItem", PERMISSIVE, "ALLOW"),
        ("Get-Content README.md", STRICT, "ALLOW"),
        ("Write-Output hi", STRICT, "ALLOW"),
    ],
)
def test_what_each_spelling_comes_to(code: str, policy: object, expected: str) -> None:
    assert tool_verdict(policy, "PowerShell", {"command": code}) == expected
    assert tool_verdict(policy, "powershell", {"command": code}) == expected  # pi's tool
    assert verdict(policy, _pwsh(code)) == expected
    assert verdict(policy, "powershell.exe -NoProfile -Command '" + code.replace("'", "'\\''") + "'") == expected


@pytest.mark.parametrize(
    "code",
    [
        "Get-ChildItem | ForEach-Object { $_.Name }",  # a script block
        'Write-Output "$(Get-Date)"',  # a subexpression
        "iex $payload",  # code known only at run time
        "& $tool --version",  # a program named at run time
        "Get-ChildItem -f x",  # an ambiguous parameter (-Filter, -Force, -File, -FollowSymlink)
        "Invoke-Command -ScriptBlock { whoami }",  # a cmdlet not read
        "Remove-Item Variable:\\x",  # another provider's drive
        "if ($true) { Get-ChildItem }",
        "$s = [IO.File]::ReadAllText('a')",
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_what_is_not_read_is_asked_never_allowed(name: str, code: str) -> None:
    policy = POLICIES[name]
    assert tool_verdict(policy, "PowerShell", {"command": code}) == "ASK"
    assert verdict(policy, _pwsh(code)) == "ASK"


RUN_KEY = "HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"


@pytest.mark.parametrize(
    "code",
    [
        f"Set-ItemProperty {RUN_KEY} -Name x -Value calc.exe",
        f"New-ItemProperty -Path {RUN_KEY}Once -Name x -Value calc.exe",
        "New-ItemProperty -Path HKCU:\\Environment -Name PYTHONSTARTUP -Value x.py",
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_a_key_windows_runs_is_persistence_in_every_spelling(name: str, code: str) -> None:
    """A Run key or the user's environment written: the cmdlet's line, and the registry file it
    writes when a shell hands it to ``pwsh -c`` (denied under ``strict``, asked elsewhere)."""
    expected = "DENY" if name == "strict" else "ASK"
    assert tool_verdict(POLICIES[name], "PowerShell", {"command": code}) == expected
    assert verdict(POLICIES[name], _pwsh(code)) == expected


@pytest.mark.parametrize("name", POLICIES)
def test_a_run_key_written_with_a_value_known_at_run_time_is_never_allowed(name: str) -> None:
    code = f"Set-ItemProperty {RUN_KEY} -Name x -Value $cmd"
    assert tool_verdict(POLICIES[name], "PowerShell", {"command": code}) == ("DENY" if name == "strict" else "ASK")
    assert verdict(POLICIES[name], _pwsh(code)) in ("ASK", "DENY")


_RANK = {"ALLOW": 0, "ASK": 1, "DENY": 2}


@pytest.mark.parametrize("name", POLICIES)
def test_a_statement_read_next_to_one_not_read_is_still_judged(name: str) -> None:
    """At least as strict as the POSIX line with a command it cannot resolve next to `rm -rf /`."""
    policy = POLICIES[name]
    twin = verdict(policy, 'ls | eval "$x"; rm -rf /')
    for code in (
        "Get-ChildItem | ForEach-Object { $_ }; Remove-Item -Recurse -Force C:\\",
        "Get-ChildItem | ForEach-Object { Remove-Item -Recurse -Force C:\\ }",  # read inside the block
    ):
        got = tool_verdict(policy, "PowerShell", {"command": code})
        assert got != "ALLOW" and _RANK[got] >= _RANK[twin]


@pytest.mark.parametrize("name", POLICIES)
def test_codex_argv_of_powershell(name: str) -> None:
    policy = POLICIES[name]
    for code, twin in (("Remove-Item -Recurse -Force C:\\", "rm -rf /"), ("Get-ChildItem", "ls")):
        argv = ["powershell.exe", "-NoLogo", "-Command", code]
        assert tool_verdict(policy, "shell", {"command": argv}) == verdict(policy, twin)


def test_cmdlet_names_and_parameters_are_case_and_prefix_insensitive_but_not_ambiguous() -> None:
    assert tool_verdict(PERMISSIVE, "PowerShell", {"command": "REMOVE-ITEM -RECURSE -FORCE C:\\"}) == "DENY"
    assert tool_verdict(PERMISSIVE, "PowerShell", {"command": "Remove-Item -Re -Fo C:\\"}) == "DENY"
    assert tool_verdict(PERMISSIVE, "PowerShell", {"command": "Remove-Item -Recurse:$false C:\\"}) == verdict(
        PERMISSIVE, "rm /"
    )
    assert tool_verdict(PERMISSIVE, "PowerShell", {"command": "Remove-Item -F C:\\"}) == "ASK"  # -Filter or -Force


def test_encoded_command_that_is_not_utf16_base64_is_asked() -> None:
    assert verdict(PERMISSIVE, "powershell -EncodedCommand '%%%'") == "ASK"


async def _after_write(text: str, run: str) -> str:
    return await run_after({"policy": "permissive"}, [write("x.ps1", text)], run)


@pytest.mark.parametrize(
    "run", ["pwsh -File x.ps1", "pwsh -ExecutionPolicy Bypass -File ./x.ps1", "pwsh -NoProfile -Command ./x.ps1"]
)
async def test_a_script_the_session_wrote_is_read_as_powershell(run: str) -> None:
    assert await _after_write("Remove-Item -Recurse -Force C:\\\n", run) == "DENY"
    assert await _after_write("Get-ChildItem\nWrite-Output done\n", run) == "ALLOW"
