"""The rule texts for persistence: a write that makes code run later, outside the agent's view
(docs/patterns.md, "Persistence: code that runs later").

What such a write leaves behind runs in a later shell, login, commit, boot, timer tick or
install, where no hook sees it; so every template judges the write itself (``<prefix>_persist_write``
on the file, ``<prefix>_persist_chmod`` on making it executable, ``<prefix>_persist_shell`` on the
command that registers it):

* :data:`PERSIST_FILES`: shell start-up files (bash, zsh, ksh, tcsh/csh, fish, ``/etc/profile.d``,
  PowerShell's ``$PROFILE``, ``.bash_logout``, X session files, ``environment.d``), programs' own
  start-up files (vim, neovim, tmux, emacs, R, irb, Python's ``PYTHONSTARTUP`` file, IPython,
  Jupyter, gdb, lldb, pdb, bash completions, window managers' autostart lines, gpg-agent), direnv's
  ``.envrc``; ssh's ``authorized_keys``, ``config`` and ``environment``; git's hooks and
  configuration (``.git/hooks/*``, ``.git/config``, ``~/.gitconfig``);
  user services and timers (``~/.config/systemd/user``), XDG autostart, macOS LaunchAgents and
  LaunchDaemons, the Windows Startup folder, cron and at spools; Python's ``.pth`` files and
  ``sitecustomize``/``usercustomize``; a program put on the user's ``PATH`` (``~/.local/bin``,
  ``~/bin``: shadowing ``git``, ``ls``…); package managers' configuration that redirects installs
  or runs code (``~/.npmrc``, ``~/.yarnrc``, ``pip.conf``/``pip.ini``, ``.cargo/config.toml``,
  ``~/.gemrc``, ``~/.condarc``, go's ``env`` file, Maven's and Gradle's user files).  The target is
  a path, or a ``file_chmod`` target ``path:mode``.
* :data:`PERSIST_LINES`: commands that register code to run later or point an installer
  elsewhere: ``git config``/``git -c`` of a key whose value git runs or loads
  (``core.hooksPath``, ``core.fsmonitor``, ``core.sshCommand``, ``core.pager`` and editors when the
  value is no plain editor or pager, ``alias.*`` starting with ``!``, ``filter.*.clean``/``smudge``,
  ``diff.*.textconv``, a ``credential.helper`` that is a command or a path, ``include.path``,
  ``init.templateDir``, ``url.*.insteadOf``…) and ``git init``/``clone --template``;
  ``systemctl enable``/``link``/``preset``/``edit``/``add-wants``, ``systemd-run --on-*`` timers,
  ``loginctl enable-linger``; ``crontab`` installing a table, ``at``/``batch``; ``launchctl
  load``/``bootstrap``/``submit``/``setenv``, login items and hooks (``osascript … make login
  item``, ``defaults write … LoginHook``); ``schtasks /create``, ``Register-ScheduledTask``,
  ``New-Service``, ``sc.exe create`` (``sc create`` is the privilege rules'), a Run, Winlogon or
  Environment registry key written (``reg add``, ``New-ItemProperty``), ``setx``;
  ``npm``/``pnpm``/``yarn config set registry`` (and
  ``script-shell``, ``node-options``), ``pip config set …index-url``/``extra-index-url``/
  ``find-links``/``trusted-host``, ``conda config --add channels``, ``gem sources --add``,
  ``bundle config mirror.*``, ``poetry config repositories.*``, ``pdm config pypi.url``, ``go env
  -w GOPROXY=…`` (``GOSUMDB``, ``GONOSUMDB``, ``GOINSECURE``, ``GOFLAGS``, ``GOTOOLCHAIN``, ``CC``…);
  ``direnv allow``.

Reading them is none: ``git config --get core.hooksPath``, ``git config core.pager`` (no value),
``systemctl status``, ``crontab -l``, ``npm config get registry``, ``pip config list``, ``cat
~/.bashrc``.  Each command text is matched at the start of a command as the shell analysis reads
it (as :mod:`._remote`'s are: ``sudo``, ``env``, ``sh -c``, ``xargs`` taken off).  No lookaround:
RE2 runs them in linear time.
"""

from __future__ import annotations

from goalrail.jsontypes import JsonValue
from goalrail.patterns.model import Pattern
from goalrail.patterns.templates._base import rule
from goalrail.patterns.templates._remote import not_words, then

__all__ = ["PERSIST_BLOCKED", "PERSIST_FILES", "PERSIST_HELD", "PERSIST_LINES", "persist_rules"]


#: a home directory as a path spells it
_HOME = r"(~|\$HOME|\$\{HOME\}|/home/[^/]+|/Users/[^/]+|/root|/var/root)"
#: a shell's (or a login's) start-up file, anywhere (a home is where one is read; a copy elsewhere
#: is rare to write)
_SHELL_STARTUP = (
    r"\.(ba|z|k|mk|tc|c|ya)?shrc|\.(bash_|z)?profile|\.bash_(login|logout|aliases|functions?)|\.bashrc\.d/[^/]+"
    r"|\.z(shenv|login|logout)|\.log(in|out)|\.x(initrc|session|sessionrc|profile)|\.pam_environment"
    r"|fish/(config\.fish|conf\.d/[^/]+|functions/[^/]+)|\.config/environment\.d/[^/]+|\.envrc"
    r"|(windows)?powershell/([\w.]+_)?profile\.ps1|\$profile([\w.]*)"
)
#: programs' start-up files that run commands, and ssh's ``rc``
_PROGRAM_STARTUP = (
    r"\.[gn]?vimrc|\.exrc|nvim/(init\.(vim|lua)|plugin/[^/]+)|\.vim/plugin/[^/]+|\.tmux\.conf|tmux/tmux\.conf"
    r"|\.emacs|\.emacs\.d/(early-)?init\.el|\.rprofile|\.irbrc|\.pryrc|\.pythonrc(\.py)?|\.ssh/rc"
    r"|\.ipython/profile_[^/]+/(startup/[^/]+|ipython_(kernel_)?config\.py)|\.jupyter/jupyter_\w*config\.py"
    r"|\.gdbinit|\.lldbinit|\.pdbrc(\.py)?|\.bash_completion|bash-completion/completions/[^/]+"
    r"|\.config/(i3|sway)/config|\.config/hypr/hyprland\.conf|\.config/(openbox|lxsession/[^/]+)/autostart"
    r"|\.gnupg/gpg-agent\.conf"
)
#: ssh's: a key let in (a way in from outside that outlives the session), options and commands
#: of every later connection (``ProxyCommand``, ``LocalCommand``, ``environment``)
_SSH = r"\.ssh/(authorized_keys2?|config|environment)"
#: git's hooks and configuration (a repository's, a submodule's, the user's)
_GIT = r"\.git/(.*/)?(hooks(/.*)?|config)|\.gitconfig|\.config/git/config"
#: services, timers, autostart entries and launch agents of the user
_SERVICES = (
    r"\.config/systemd/user(/.*)?|\.local/share/systemd/user(/.*)?|\.config/containers/systemd(/.*)?"
    r"|\.config/autostart(/.*)?|\.kde4?/autostart(/.*)?|\.config/plasma-workspace/(env|shutdown)(/.*)?"
    r"|library/launch(agents|daemons)(/.*)?|start menu[/\\]+programs[/\\]+startup([/\\].*)?"
)
#: Python's start-up hooks: a ``.pth`` in a site directory, ``sitecustomize``, ``usercustomize``
_PYTHON = r"(site|dist)-packages/[^/]+\.pth|(sitecustomize|usercustomize)\.py"
#: package managers' configuration read from anywhere (a project's ``.cargo/config.toml`` runs its
#: ``rustc-wrapper`` and replaces its sources)
_INSTALLERS = (
    r"\.cargo/config(\.toml)?|pip/pip\.(conf|ini)|\.pip/pip\.conf|pip\.ini|\.pydistutils\.cfg|\.condarc|\.gemrc"
)
#: … and from a home only (a project's ``.npmrc`` or ``.yarnrc.yml`` is the project's own)
_HOME_INSTALLERS = (
    r"\.npmrc|\.yarnrc(\.yml)?|\.config/pnpm/rc|\.bunfig\.toml|\.config/go/env|library/application support/go/env"
    r"|\.config/uv/uv\.toml|\.bundle/config|\.m2/settings\.xml|\.gradle/(gradle\.properties|init\.gradle(\.kts)?"
    r"|init\.d(/.*)?)|appdata/roaming/(npm/etc/npmrc|go/env)"
)
#: … and tools' settings in a home that name a program each later call runs (``credential_process``
#: of the AWS CLI, kubectl's ``exec`` credential plugins, docker's ``credsStore``/``credHelpers``)
_HOME_HELPERS = r"\.aws/config|\.kube/config|\.docker/config\.json"
#: the system's copies: start-up files, units, init scripts, cron and at spools, autostart
_SYSTEM = (
    r"/etc/(profile(\.d(/.*)?)?|bash\.bashrc|bashrc|zsh(/.*)?|zshrc|zprofile|zshenv|zlogin|zlogout|environment"
    r"|environment\.d(/.*)?|csh\.(cshrc|login|logout)|fish(/.*)?|ksh\.kshrc|mkshrc|skel(/.*)?|xdg/autostart(/.*)?"
    r"|systemd/(system|user)(/.*)?|init(\.d)?(/.*)?|rc\.local|rc\d?\.d(/.*)?|cron[^/]*(/.*)?|anacrontab|gitconfig"
    r"|pip\.conf|npmrc|gemrc|update-motd\.d(/.*)?|ssh/(sshrc|sshd?_config(\.d(/.*)?)?)|x11/xsession\.d(/.*)?"
    r"|ld\.so\.(preload|conf(\.d(/.*)?)?)|apt/apt\.conf(\.d(/.*)?)?|udev/rules\.d(/.*)?|modules-load\.d(/.*)?"
    r"|modprobe\.d(/.*)?|networkmanager/dispatcher\.d(/.*)?|network/if-[\w-]+\.d(/.*)?|dhcp/dhclient-[\w-]+\.d(/.*)?"
    r"|logrotate\.(conf|d(/.*)?)|pam\.d(/.*)?|security(/.*)?|polkit-1/rules\.d(/.*)?|sudoers(\.d(/.*)?)?"
    r"|bash_completion(\.d(/.*)?)?|passwd|shadow|group|gshadow)"
    r"|/(usr/)?lib(64)?/([\w-]+-linux-gnu/)?security/[^/]+|/usr/share/bash-completion/completions/[^/]+"
    r"|/(usr/)?lib/systemd/(user|system)(/.*)?|/var/spool/(cron|at|anacron)(/.*)?|/var/at/(tabs|jobs)(/.*)?"
    r"|/usr/lib/cron/tabs(/.*)?|/library/(launchagents|launchdaemons|startupitems)(/.*)?"
)
#: a registry key Windows runs or takes an environment from, as a PowerShell line's file is named
#: (``HKCU:\\…\\Run`` is ``~/.registry/HKCU/…/Run``, ``HKLM:`` ``/etc/registry/HKLM/…``: ``_powershell``)
_REGISTRY_FILES = r"\.?registry/(.*/)?(currentversion/(run|runonce|runservices|runservicesonce|winlogon"
_REGISTRY_FILES += r"|policies/explorer/run|image file execution options|windows/appinit_dlls"
_REGISTRY_FILES += r"|explorer/(user )?shell folders)|(hkcu|hkey_current_user)/environment)(/.*)?"
#: a file whose content runs later: :data:`_SHELL_STARTUP`, :data:`_PROGRAM_STARTUP`, :data:`_SSH`,
#: :data:`_GIT`, :data:`_SERVICES`, :data:`_PYTHON`, :data:`_INSTALLERS`, :data:`_REGISTRY_FILES`
#: anywhere; :data:`_HOME_INSTALLERS`, :data:`_HOME_HELPERS` and a program on the user's ``PATH``
#: (``~/.local/bin``, ``~/bin``) in a home; :data:`_SYSTEM`
PERSIST_FILES = (
    rf"(?i)((.*[/\\])?({_SHELL_STARTUP}|{_PROGRAM_STARTUP}|{_SSH}|{_GIT}|{_SERVICES}|{_PYTHON}|{_INSTALLERS}"
    rf"|{_REGISTRY_FILES}|\.?anacrontab)"
    rf"|{_HOME}/({_HOME_INSTALLERS}|{_HOME_HELPERS}|(\.local/)?bin(/.*)?)|{_SYSTEM})(:[^/]*)?$"
)

#: the options (and their values) between a program and its verb
_OPTS = r"\s*('?-[^\s;&|]*(\s+'?[^\s\-;&|][^\s;&|]*)?\s+)*'?"
#: what stands between a key and its value: ``git config KEY VALUE``, ``git -c KEY=VALUE``
_SEP = r"(\s+|=)['\"]?"
_EQ = r"=['\"]?"
#: values of git's editor, pager and ssh keys that run nothing but a plain program (or switch it)
_PLAIN = not_words(
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "0",
    "1",
    "cat",
    "less",
    "more",
    "most",
    "vi",
    "vim",
    "nvim",
    "nano",
    "emacs",
    "emacsclient",
    "ed",
    "micro",
    "hx",
    "helix",
    "kak",
    "code",
    "subl",
    "zed",
    "mate",
    "gedit",
    "ssh",
    "delta",
    "diff-so-fancy",
    "bat",
    "notepad",
    "notepad++",
    stop=r"\s;&|'\"",
)
#: git's credential helpers that are its own (``store``, ``cache``, the keychains)
_OWN_HELPERS = not_words(
    "store",
    "cache",
    "osxkeychain",
    "manager",
    "manager-core",
    "libsecret",
    "wincred",
    "gnome-keyring",
    stop=r"\s;&|'\"",
)
#: a quoted value (its opening quote taken by the separator) holding shell syntax or an ssh option
#: that runs a command (``'less; curl …'``, ``'ssh -o ProxyCommand=…'``)
_SHELLY = r"[^'\"\n]*([;&|`$<>(){}]|\s-o|(?i:proxycommand|localcommand))"


def _git_keys(sep: str) -> str:
    """git configuration keys whose value git runs or loads, with the value that makes it so, ``sep``
    between key and value."""
    return (
        r"(?i:(core\.(pager|editor|sshcommand|fsmonitor)|sequence\.editor|pager\.[^\s=]+|gpg\.program|web\.browser)"
        rf"{sep}(({_PLAIN})(['\"\s;&|)]|$)|{_SHELLY})"
        rf"|alias\.[^\s=]+{sep}!|submodule\.[^\s=]+\.update{sep}!"
        rf"|credential(\.[^\s=]+)?\.helper{sep}(({_OWN_HELPERS})(['\"\s;&|)]|$)|{_SHELLY})"
        r"|(core\.(hookspath|askpass|gitproxy|alternaterefscommand)|diff\.external|uploadpack\.packobjectshook"
        r"|interactive\.difffilter|sendemail\.(smtpserver|sendmailcmd|tocmd|cccmd|headercmd)|gpg\.ssh\.(defaultkeycommand|program)"
        r"|gpg\.[^\s=]+\.program|init\.templatedir|include\.path|includeif\.[^\s=]+\.path|filter\.[^\s=]+\.(clean|smudge|process)"
        r"|diff\.[^\s=]+\.(command|textconv)|merge\.[^\s=]+\.driver|(diff|merge)tool\.[^\s=]+\.(cmd|path)"
        r"|(man|browser)\.[^\s=]+\.(cmd|path)|remote\.[^\s=]+\.(receivepack|uploadpack)|trailer\.[^\s=]+\.(cmd|command)"
        rf"|url\.[^\s]+\.(push)?insteadof|protocol\.ext\.allow){sep}[^\s;&|])"
    )


#: ``git config`` options that read, remove or open an editor (``--get``, ``--unset``, ``-l``, ``-e``…)
_CONFIG_OPT = (
    r"'?-("
    + not_words(
        "-get",
        "-get-all",
        "-get-regexp",
        "-get-urlmatch",
        "-get-color",
        "-get-colorbool",
        "-unset",
        "-unset-all",
        "-list",
        "l",
        "-remove-section",
        "-rename-section",
        "-edit",
        "e",
    )
    + r")(\s+'?[^\s\-;&|][^\s;&|]*)?\s+"
)
_GIT_LINES = "git " + then(
    rf"{_OPTS}config\s+({_CONFIG_OPT})*(set\s+({_CONFIG_OPT})*)?'?{_git_keys(_SEP)}"
    rf"|{_OPTS}(-c\s*|--config-env[=\s]+)'?{_git_keys(_EQ)}"
    rf"|{_OPTS}(init|clone)\s([^;&|\n]*\s)?'?--template(=|\s)"
)
#: services and timers: enabled, linked, preset, edited; a transient timer; lingering
_SERVICE_LINES = (
    "systemctl "
    + then(
        rf"{_OPTS}(enable|reenable|link|preset|preset-all|edit|add-wants|add-requires|set-environment"
        r"|import-environment)(\s|'|$)"
    )
    + "|systemd-run "
    + then(r"([^;&|\n]*\s)?'?--(on-[\w-]+|timer-property|path-property|socket-property)(=|\s|'|$)")
    + "|loginctl "
    + then(rf"{_OPTS}enable-linger(\s|'|$)")
)
#: ``crontab FILE``, ``crontab -`` (the table from standard input), ``crontab -e``, a bare ``crontab``;
#: not ``-l``, ``-r`` (``_remote``'s), ``-u user`` alone; ``at TIME``, ``at -f FILE TIME``, ``batch``
_CRON_OPT = r"'?-[a-zA-Z]*u\s*'?[^\s;&|']+'?|'?-[^\s;&|u'\-][^\s;&|]*'?"
_CRON_LINES = (
    "(crontab|fcrontab) "
    + then(rf"\s*(({_CRON_OPT})\s+)*'?(-[a-zA-Z]*e[a-zA-Z]*|-|[^\s;&|'\-][^\s;&|]*)'?(\s|$|[;&|)])|\s*($|[;&|)])")
    + "|at "
    + then(rf"\s*('?-({not_words('l', 'd', 'r', 'c', 'V', 'h', '-help')})(\s+'?[^\s\-;&|][^\s;&|]*)?\s+)*'?[^\s\-;&|']")
    + r"|batch(\s|'|$|[;&|)])"
)
#: macOS: launch agents loaded or submitted, an environment set for every app, login items and hooks
_MAC_LINES = (
    "launchctl "
    + then(rf"{_OPTS}(load|bootstrap|enable|submit|setenv|config)(\s|'|$)")
    + "|osascript "
    + then(r"[^;&|\n]*(?i:make\s+(new\s+)?login\s+item)")
    + "|defaults "
    + then(r"([^;&|\n]*\s)?'?write\s[^;&|\n]*(LoginHook|LogoutHook|AutoLaunchedApplicationDictionary)")
)
#: the registry keys Windows runs or takes an environment from (the separators may be gone: bash
#: drops an unquoted ``\``)
_RUN_KEYS = (
    r"(?i:currentversion[\\/]*(run|runonce|runservices|runservicesonce|policies[\\/]*explorer[\\/]*run|winlogon"
    r"|image file execution options|windows[\\/]*appinit_dlls|explorer[\\/]*(user )?shell folders)"
    r"|(hkcu|hkey_current_user)(:|[\\/]*)environment)"
)
#: Windows: scheduled tasks, services, Run keys, a persistent environment, PowerShell's ``$PROFILE``
#: written by a cmdlet
_WINDOWS_LINES = (
    r"(schtasks|schtasks\.exe) "
    + then(r"([^;&|\n]*\s)?'?[/-](?i:create|change)(\s|'|$)")
    + r"|(reg|reg\.exe) "
    + then(rf"\s*'?((?i:add)\s[^;&|\n]*{_RUN_KEYS}|(?i:import|restore)\s)")
    + r"|sc\.exe "
    + then(r"\s*('?\\\\\S+\s+)?'?(?i:create|config|failure)\s")
    + r"|(setx|setx\.exe) "
    + "|(?i:register-scheduledtask|register-scheduledjob|new-service)(\\s|$)"
    + "|(?i:new-itemproperty|set-itemproperty|new-item|set-item) "
    + then(rf"[^;&|\n]*{_RUN_KEYS}")
    + "|(?i:add-content|set-content|out-file|new-item|copy-item|move-item|tee-object) "
    + then(r"[^;&|\n]*(?i:\$profile)")
)
#: installs pointed elsewhere: a registry, an index, a channel, a mirror, a proxy; npm's shell and
#: node's options (they run with every script)
_NPM_KEYS = r"(@[^\s:=]+:)?registry|npmregistryserver|npmscopes\.[^\s=]*|script-shell|node-options|init-module"
#: ``pip config set …index-url`` (``extra-index-url``, ``find-links``, ``trusted-host``), ``pip config edit``
_PIP_CONFIG = (
    rf"{_OPTS}config\s+{_OPTS}(edit|set\s+{_OPTS}([\w-]+\.)?(index-url|extra-index-url|find-links|trusted-host"
    r"|index))(\s|=|'|$)"
)
_REGISTRY_LINES = (
    "(npm|pnpm|yarn|cnpm|bun) "
    + then(rf"{_OPTS}(config\s+{_OPTS})?set\s+{_OPTS}(?i:{_NPM_KEYS})(\s|=|'|$)")
    + r"|(pip|pip3|pip3\.\d+) "
    + then(_PIP_CONFIG)
    + r"|(python|python3|python3\.\d+) "
    + then(rf"{_OPTS}-m\s*'?pip3?\s+{_PIP_CONFIG}")
    + "|(conda|mamba|micromamba) "
    + then(
        rf"{_OPTS}config\s([^;&|\n]*\s)?'?--(add|append|prepend|set)\s+'?(channels|channel_alias|default_channels"
        r"|custom_channels|custom_multichannels)(\s|'|$)"
    )
    + "|gem "
    + then(rf"{_OPTS}sources\s([^;&|\n]*\s)?'?(-a|--add)(\s|=|'|$)")
    + "|bundle "
    + then(rf"{_OPTS}config\s+({_OPTS}set\s+)?{_OPTS}mirror\.")
    + "|poetry "
    + then(rf"{_OPTS}config\s+{_OPTS}repositories\.")
    + "|pdm "
    + then(rf"{_OPTS}config\s+{_OPTS}pypi\.[\w.-]*url(\s|=|'|$)")
    + "|go "
    + then(
        rf"{_OPTS}env\s([^;&|\n]*\s)?'?-w\s([^;&|\n]*\s)?'?(GOPROXY|GOSUMDB|GONOSUMDB|GONOSUMCHECK|GONOPROXY|GOPRIVATE"
        r"|GOINSECURE|GOFLAGS|GOTOOLCHAIN|CC|CXX|CGO_[A-Z]+|GOENV)="
    )
    + "|direnv "
    + then(rf"{_OPTS}(allow|permit|grant)(\s|'|$)")
)
#: a command that registers code to run later, or points an installer elsewhere (``\b``: each program
#: name begins a word, so ``_option_rules`` keys the rule on whole names: ``at`` is not the end of ``cat``)
PERSIST_LINES = rf"\s*\b({_GIT_LINES}|{_SERVICE_LINES}|{_CRON_LINES}|{_MAC_LINES}|{_WINDOWS_LINES}|{_REGISTRY_LINES}).*"


def persist_rules(
    template: str, prefix: str, severity: str, message: str, mode: str | None = None, **meta: JsonValue
) -> list[Pattern]:
    """``<prefix>_persist_write`` (a file of :data:`PERSIST_FILES` written), ``<prefix>_persist_chmod``
    (one made executable or otherwise changed in mode) and ``<prefix>_persist_shell`` (a line of
    :data:`PERSIST_LINES`), each ``deny``; ``mode`` ``sigstop`` asks instead."""
    return [
        rule(template, f"{prefix}_persist_write", "file_write", PERSIST_FILES, "deny", severity, message, mode, **meta),
        rule(template, f"{prefix}_persist_chmod", "file_chmod", PERSIST_FILES, "deny", severity, message, mode, **meta),
        rule(
            template, f"{prefix}_persist_shell", "shell_execute", PERSIST_LINES, "deny", severity, message, mode, **meta
        ),
    ]


#: what each template's persistence rules say (strict blocks; the others ask)
PERSIST_BLOCKED = (
    "Writing what runs code later (start-up files, git hooks and git's command settings, services, timers, cron,"
    " autostart, Python start-up files, programs on PATH, package sources) is blocked"
)
PERSIST_HELD = PERSIST_BLOCKED.replace("is blocked", "needs approval")
