"""The template base class and the rule fragments the templates share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from goalrail.jsontypes import JsonValue
from goalrail.patterns.model import Pattern
from goalrail.patterns.policy import Policy
from goalrail.patterns.regex import SHIPPED, regex_engine
from goalrail.patterns.templates._harness_commands import HARNESS_SETTING_COMMANDS
from goalrail.patterns.templates._harness_files import GUARD_FILES as GUARD_FILES
from goalrail.patterns.templates._harness_files import HOME as _HOME
from goalrail.patterns.templates._harness_flags import HARNESS_LOOSENED

#: the well-known stores of tokens, passwords and private keys (``strict_read_secrets``,
#: ``read_only_read_sensitive``, ``soc2_secrets_read``, ``hipaa_secrets_read``; the YAML built-ins
#: hold this text, tests/unit/test_credential_stores.py checks): git's credential store, docker's
#: ``config.json``, kubeconfigs, the ``gh``/``glab``/``hub`` tokens, the cloud CLIs' credentials and
#: token caches (AWS, gcloud, Azure), package registries' (``.pypirc``, cargo, composer, gem; a
#: home's ``.npmrc``/``.yarnrc``/``.m2/settings.xml``/``gradle.properties``: a project's is
#: committed and allowed), database clients' (``.pgpass``, ``.my.cnf``, ``.mylogin.cnf``),
#: Terraform's, Vault's token, GnuPG's private keys, password managers (``pass``, KeePass,
#: keychains, GNOME keyrings, KWallet, 1Password and Bitwarden CLIs, browsers' saved logins, cards
#: and cookies), the operating system's (``/etc/shadow``, ``master.passwd``, macOS's ``dslocal``
#: users, Windows' ``SAM``/``SECURITY``/``SYSTEM`` hives as files or ``HKLM`` keys, ``ntds.dit``, the
#: Credential Manager's and DPAPI's files),
#: Java keystores, ``.htpasswd``, service-account and OAuth client JSON keys, rclone, a container's
#: mounted secrets (``/run/secrets/…``, a pod's service-account token under ``/var/run/secrets/``); and the
#: directories that hold them when read whole (``tar -cf x ~/.docker``, ``grep -r x ~/.kube/``:
#: the ``D/`` a recursive read names).  Names only: a path rule cannot see a file's content.
CREDENTIAL_STORES = (
    r"(^|/)(\.git-credentials|\.config/git/credentials|[._]netrc|\.pgpass|\.my\.cnf|\.mylogin\.cnf|\.pypirc"
    r"|\.htpasswd|\.vault-token|\.goalrail/(console-token|token|cookie-key)|\.boto|\.s3cfg|\.databrickscfg|\.terraformrc|terraform\.rc|\.dockercfg"
    r"|\.docker/config\.json|\.kube/config|kubeconfig(\.ya?ml)?|[^/]+\.kubeconfig"
    r"|\.aws/(credentials|(sso|cli)/cache/.*)|gh/hosts\.yml|glab-cli/config\.yml|\.config/hub"
    r"|gcloud/(application_default_credentials\.json|credentials\.db|access_tokens\.db|legacy_credentials/.*)"
    r"|\.azure/(accesstokens\.json|msal_token_cache[^/]*|msal_http_cache[^/]*|service_principal_entries[^/]*)"
    r"|\.terraform\.d/credentials\.tfrc\.json|\.gnupg/(private-keys-v1\.d/.*|secring\.gpg)"
    r"|\.cargo/credentials(\.toml)?|\.?composer/auth\.json|\.gem/credentials|gem/credentials|rclone/rclone\.conf"
    r"|\.rclone\.conf|sops/age/keys\.txt|run/secrets/.+|\.pulumi/credentials\.json|doctl/config\.yaml|\.m2/settings-security\.xml"
    r"|\.password-store/.*|keyrings/.*|library/keychains/.*|\.config/op/.*|\.op/config|bitwarden cli/data\.json"
    r"|wallet\.dat|secring\.gpg|\.?age/keys?\.txt|\.?electr(um|um-ltc|on-cash)(/[^/]+)?/wallets(/.*)?"
    r"|\.?ethereum/([^/]+/)?keystore(/.*)?|utc--[0-9]{4}-[^/]*|\.foundry/keystores(/.*)?|hardhat-nodejs/(vars|keystore)\.json"
    r"|solana/id\.json|\.config/solana/[^/]+\.json|\.aptos/config\.yaml|\.near-credentials(/.*)?|\.(brownie|ape)/accounts(/.*)?"
    r"|keyring-(file|test)(/.*)?|\.tezos-client/secret_keys|monero/wallets(/.*)?|\.bitmonero/[^/]*wallet[^/]*"
    r"|\.?walletwasabi/client/wallets(/.*)?|exodus\.wallet(/.*)?|atomic/local storage(/.*)?"
    r"|(local|sync) extension settings/[^/]+(/.*)?|indexeddb/chrome-extension_[^/]*(/.*)?"
    r"|storage/default/moz-extension[^/]*(/.*)?"
    r"|(\.|application support/|appdata/roaming/)(bitcoin|litecoin|dogecoin|dashcore|zcash)/?"
    r"|(\.mozilla/firefox|firefox/profiles)/[^/]+/(logins\.json|key[34]\.db|cookies\.sqlite|signons\.sqlite)"
    r"|(google-chrome(-beta|-unstable)?|chromium|google/chrome(/user data)?|bravesoftware/brave-browser(/user data)?"
    r"|microsoft-edge|microsoft/edge/user data|vivaldi|opera)/[^/]+/(login data|web data|cookies|network/cookies)"
    r"|cookies\.binarycookies|etc/(shadow|gshadow|master\.passwd|spwd\.db|security/opasswd)-?"
    r"|dslocal/nodes/[^/]+/users/[^/]+\.plist|registry/hklm/(sam|security)(/.*)?|registry/hklm/system/?"
    r"|(system32|sysnative)/config/(regback/)?(sam|security|system)(\.(sav|bak|old))?|[^/]*ntds\.dit"
    r"|appdata/(roaming|local)/microsoft/(credentials|protect|vault)(/.*)?"
    r"|[^/]*(service[-_]?account|sa[-_]key|client[-_]secret)[^/]*\.json|credentials\.json"
    r"|[a-z][a-z0-9-]{4,28}[a-z0-9]-[0-9a-f]{12}\.json"
    r"|[^/]+\.(kdbx|kdb|psafe3|jks|jceks|keystore|bks|pkcs12|pk8|keychain|keychain-db|kwl|ppk)"
    r"|(\.docker|\.kube|\.aws|\.gnupg|\.azure|\.config/gh|\.config/glab-cli|\.config/gcloud|\.terraform\.d"
    r"|\.cargo|\.gem|\.composer|\.config/composer|\.config/rclone|\.pulumi|\.password-store|\.config/op)/?)"
    rf"|^{_HOME}/(\.npmrc|\.yarnrc(\.yml)?|\.gradle/gradle\.properties|\.m2/settings\.xml|\.bundle/config"
    r"|\.nuget/nuget/nuget\.config|\.config|\.local(/share)?|library(/application support)?)/?"
)
#: the secrets every template that promises them names: private keys and certificates' keys,
#: ``.env`` files, SSH keys, and :data:`CREDENTIAL_STORES`
PATH_SECRETS = (
    r"(?i).*(\.(pem|key|p12|pfx)|(^|/)\.env(\.[^/]*)?|\.ssh(/.*)?|(^|/)id_(rsa|dsa|ecdsa|ed25519)(_sk)?"
    rf"|{CREDENTIAL_STORES})$"
)
#: environment variables that hold credentials by their name (``strict_env_secrets``,
#: ``soc2_env_secrets``, ``hipaa_env_secrets``; strict.yaml holds this text,
#: tests/unit/test_credential_spellings.py checks): ``*KEY*``, ``*SECRET*``, ``*TOKEN*``, ``*PASSW*``,
#: ``*PASSPHRASE*``, ``*CREDENTIAL*``, a ``PASS`` or ``PWD`` word (``DB_PASS``, ``MYSQL_PWD``, not
#: ``PWD``, ``BYPASS`` or ``GIT_ASKPASS``), and ``AUTH`` where it ends the name or names what carries
#: the credential (``BASIC_AUTH``, ``OAUTH``, ``AUTHORIZATION``, ``DOCKER_AUTH_CONFIG``,
#: ``AUTH_HEADER``).  A name that only mentions authentication or an author is none:
#: ``GIT_AUTHOR_NAME``, ``OAUTH_CALLBACK_URL``, ``AUTH0_DOMAIN``, ``NEXTAUTH_URL``.
ENV_SECRETS = (
    r"(?i).*(key|secret|token|pass(w|phrase)|credential|(^|[^a-z])pass(_|$)|_pwd(_|$)|auth(orization|n|z)?$"
    r"|auth(orization|n|z)?[_-]?(header|cookie|code|string|info|data|basic|bearer|creds?|config|file|pass|user"
    r"|json|b64|base64|hash|value)).*"
)
#: what puts Goalrail between an agent and its actions, and what it keeps (``GUARD_FILES``, in
#: ``_harness_files``): every harness's permission, MCP-server and hook settings, project and user
#: level, their managed settings, the directories holding them, Goalrail's own home and program.
#: An agent that rewrote, removed, moved or locked (a mode change) one of these could leave itself
#: or the next session unguarded.  A path through a variable that moves one
#: (``$CLAUDE_CONFIG_DIR/…``) is read at its default place (``_shell_file_words.HARNESS_VARIABLES``);
#: setting the variable is :data:`GUARD_LINES`'.
#: the environment variables that move a harness's settings or Goalrail's home, so its hooks
#: (``CLAUDE_CONFIG_DIR``, ``CODEX_HOME``, ``GEMINI_CLI_HOME``, Gemini CLI's system settings paths,
#: OpenCode's ``OPENCODE_CONFIG``/``_DIR``/``_CONTENT`` and ``OPENCODE_PERMISSION`` (its permission
#: rules), ``CURSOR_CONFIG_DIR``, Copilot CLI's ``COPILOT_HOME``, ``GOALRAIL_HOME``, and ``GOALRAIL_URL``,
#: the server a hook asks)
_GUARD_NAMES = (
    r"(CLAUDE_CONFIG_DIR|CODEX_HOME|GEMINI_CLI_HOME|GEMINI_CLI_SYSTEM_(SETTINGS|DEFAULTS)_PATH"
    r"|OPENCODE_CONFIG(_DIR|_CONTENT)?|OPENCODE_PERMISSION|CURSOR_CONFIG_DIR|COPILOT_HOME|GOALRAIL_HOME|GOALRAIL_URL)"
)
#: a shell startup or environment file (what sets a later session's variables)
_STARTUP = (
    r"(\.(ba|z|k|mk|tc|c)shrc|\.(bash_)?profile|\.bash_login|\.zshenv|\.zprofile|\.zlogin|\.envrc"
    r"|config\.fish|\.pam_environment|/etc/environment|/etc/profile)"
)
#: a harness run as a program
_HARNESS = r"(claude|codex|gemini|opencode|cursor-agent|agent)(\s|$|[;&|)'\"])"
#: a line that turns the guard off without writing its files (``guard_rules``' ``<prefix>_guard_shell``,
#: a ``shell_execute`` rule matching anywhere on the line).  Pointing a harness at other settings:
#: setting, unsetting or persisting one of
#: :data:`_GUARD_NAMES` (``export CLAUDE_CONFIG_DIR=/tmp/x``, ``CODEX_HOME=/tmp/x codex``, ``env -u``,
#: ``unset``, fish's ``set -gx``, ``launchctl setenv``, ``os.environ["CODEX_HOME"] = …``,
#: ``process.env.X = …``, ``$env:X = …``, ``{"X": …}``, the same text echoed into ``~/.bashrc``);
#: and ``HOME`` or ``XDG_CONFIG_HOME`` (where OpenCode's and Cursor's settings are) set on a line that
#: runs a harness or writes a startup file.  A read (``echo $CODEX_HOME``, ``grep -r CODEX_HOME src``)
#: is none.  Case-sensitive, as the variables are.  Starting a harness with its permission layer or
#: its hooks turned off or replaced (``_harness_flags.HARNESS_LOOSENED``: ``claude
#: --dangerously-skip-permissions``, ``codex -a never``, ``gemini --yolo``…).  A harness's own command
#: that writes its settings (``_harness_commands``: ``claude mcp add``, ``gemini extensions install``…).
#: And uninstalling
#: Goalrail, whose program the hooks run (``pip uninstall goalrail``, ``uv tool uninstall``, ``pipx``,
#: ``brew``, ``npm``…: a hook whose program is gone lets the call through).  No lookaround (RE2).
GUARD_LINES = (
    rf".*((^|[^\w${{]){_GUARD_NAMES}((['\"]\]?)?\s*\+?=($|[^=~])|['\"]\s*:|\s*:\s*['\"])"
    rf"|(^|[^\w-])((unset|unsetenv|setenv|launchctl\s+(un)?setenv|unset-environment)\s+(-\S+\s+)*|set\s+(-[a-zA-Z]+\s+)*"
    rf"|read\s+(-[a-zA-Z]+\s+)*|env\s+([^;&|\n]*\s)?(-u\s*|--unset[=\s])|(Set|Remove|New|Clear)-Item\s+(-\w+\s+)*"
    rf"'?[Ee][Nn][Vv]:\\?|SetEnvironmentVariable\(\s*|delete\s+process\.env\.|delete\s+process\.env\[|environ\.pop\(\s*"
    rf"|del\s+os\.environ\[|(un|put)setenv\(\s*|putenv\(\s*|ENV\.(store|delete)\(\s*|delete\s+\$ENV\{{)['\"]?{_GUARD_NAMES}\b"
    rf"|ENV\{{['\"]?{_GUARD_NAMES}['\"]?\}}\s*=($|[^=~])"
    rf"|(^|[^\w${{])(HOME|XDG_CONFIG_HOME)=(.*[\s;&|(/'\"]{_HARNESS}|.*{_STARTUP})"
    rf"|{_STARTUP}.*(^|[^\w${{])(HOME|XDG_CONFIG_HOME)="
    rf"|{HARNESS_LOOSENED}|{HARNESS_SETTING_COMMANDS}"
    r"|(^|[^\w-])(pip3?|pipx|uv|conda|mamba|micromamba|brew|npm|pnpm|yarn|bun)\s([^;&|\n]*\s)?(uninstall|remove|rm)\s"
    r"([^;&|\n]*\s)?'?goalrail([\s;&|'\"=<>\[]|$)).*"
)
FILE_SHARING = (
    r"^https?://([^/?#]*\.)?(pastebin\.com|paste\.ee|hastebin\.com|transfer\.sh|file\.io|wetransfer\.com|"
    r"gist\.github\.com|dropbox\.com|drive\.google\.com|mega\.nz)([/:?#].*)?$"
)
PLAINTEXT_HTTP = r"^http://(?!(localhost|127\.0\.0\.1)([:/?#]|$)).*"
#: a container's bind mount of one of these (or of /) reaches the host's system or its docker daemon
_HOST_DIRS = r"etc|root|proc|sys|dev|boot|usr|bin|sbin|lib\w*|run|var/run|var/lib/docker"
#: where the setuid programs and root's own files live (a mode or owner copied from one: ``--reference``)
_SYSTEM_FILES = r"(usr/(local/)?)?(s?bin|lib\w*|libexec)|etc"
#: a word that is not ``--user`` (``busctl --user`` calls the session bus)
_NOT_USER = (
    r"[^\s'\-;&|][^\s;&|]*|-|-[^\s\-;&|][^\s;&|]*|--|--[^\su;&|][^\s;&|]*|--u|--u[^\ss;&|][^\s;&|]*|--us"
    r"|--us[^\se;&|][^\s;&|]*|--use|--use[^\sr;&|][^\s;&|]*|--user[^\s';&|][^\s;&|]*"
)
#: running a command with more privilege than the agent has, or outside its sandbox, in any of the
#: shipped templates' rules on it (``strict_shell_privilege``, ``permissive_shell_privilege``,
#: ``PRIV_ESC``; the YAML built-ins hold this text, tests/unit/test_privilege_class.py checks):
#: programs that run a command as another user or group, in another root or namespace, or that
#: change who may; ``sg GROUP``; ``su`` and ``passwd``
#: as a command (they are common words); ``systemd-run`` but ``systemd-run --user …`` (the system
#: manager runs it, as root unless told); ``machinectl shell``/``login``; ``setpriv``/``capsh`` given an
#: identity or capabilities; a container with the host's privileges, namespaces, devices or
#: system directories (``--privileged``, ``--pid=host``, ``--cap-add``, ``-v /:/host``,
#: ``kubectl debug node/…``), or a command run as root in a running container (``docker exec -u 0``,
#: ``--user root``: whatever host directories, devices or privileges it was given, which the line
#: does not show, as ``ssh root@host``; a fresh ``docker run -u 0`` shows its grants);
#: ``ssh``/``scp``/``rsync``… as ``root``; a setuid or setgid mode (``chmod u+s``, ``4755``,
#: ``install -m 4755``); ``chown root``; macOS's ``with administrator privileges``.  The rules
#: match anywhere on the line, so a mention (``man chroot``) is denied too.
#: No lookaround: a line it does not match is answered by the type's RE2 set alone (linear time).
#: configuration management that runs its tasks as root: ``ansible``/``ansible-playbook``/``-pull``/
#: ``-console``/``-navigator`` with ``-b``/``--become``/``--become-user``/``-K`` (alone or in a cluster:
#: ``-bK``, ``-vb``) or ``ansible_become=true``/``ANSIBLE_BECOME=true`` given on the line (``become:
#: true`` in a playbook is not read); ``puppet apply``/``agent``, ``puppet resource TYPE NAME attr=value``
#: (a resource changed: ``puppet resource user root ensure=absent``; without a value it lists);
#: ``chef-client``/``chef-solo``/
#: ``chef-apply`` (and Cinc's) runs; ``salt-call`` of a state, command, package, service, user or
#: file function and ``salt``/``salt-ssh`` state runs.  ``ansible-playbook --check`` and ``ansible
#: all -m ping`` run as the user.
_CONFIG_RUNS = (
    r"|(^|[^\w-])ansible(-playbook|-pull|-console|-navigator)?\s(.*\s)?'?(--become(-user|-method)?(\s|=|'|$)"
    r"|--ask-become-pass|-[vCDkKoy]*[bK][vCDkKboy]*(\s|'|$))"
    r"|(^|[^\w-])ansible(-playbook|-pull|-console|-navigator)?\s[^;&|\n]*ansible_become['\"]?\s*[=:]\s*['\"]?([Tt]rue|[Yy]es|1|on)"
    r"|(^|[^\w-])ANSIBLE_BECOME(_ASK_PASS)?='?\"?([Tt]rue|TRUE|[Yy]es|1|on)"
    r"|(^|[^\w-])puppet\s+(-\S+\s+)*'?((apply|agent)(\s|'|$)|resource\s+(.*\s)?'?\w+\s*=)"
    r"|(^|[^\w-])(chef-client|chef-solo|chef-apply|cinc-client|cinc-solo)(\s*($|[;&|)])|\s+'?([^\s'\-]|-[^\s\-vhV]|--[^\svh]))"
    r"|(^|[^\w-])salt-call\s(.*\s)?'?(state|cmd|pkg|service|user|group|file|shadow|system|cp|archive)\.\w"
    r"|(^|[^\w-])salt(-ssh)?\s(.*\s)?'?state\.(apply|highstate|sls|single|template\w*)(\s|'|$)"
)
PRIV_RUN = (
    r"\b(sudo(-rs)?|sudoedit|doas|pkexec|run0|runuser)([^\w-]|$)"
    r"|(^|[^\w-])(ksu|dzdo|pfexec|pbrun|gsudo|[Rr]un[Aa]s|gosu|su-exec|setuidgid|nsenter|chroot|unshare"
    r"|systemd-nspawn|visudo|vipw|vigr|usermod|useradd|gpasswd|groupmems|adduser|addgroup|chpasswd|newusers|setcap"
    r"|newgrp|insmod|modprobe)"
    r"(\s|$)"
    r"|^(su|passwd)(\s|$)|\bsu\s+-|(^|[^\w-])sg\s|(^|[^\w-])chpst\s(.*\s)?'?-u"
    r"|(^|[^\w-])systemd-run(\s*$|\s+([^\s-]|-[^-]|--([^u]|u([^s]|s([^e]|e([^r]|r\S))))))"
    r"|(^|[^\w-])systemd-run\s(.*\s)?'?(-M|--machine|-H|--host|--uid|--gid"
    r"|-p\s*'?(User|Group)=|--property[=\s]'?(User|Group)=)"
    r"|(^|[^\w-])machinectl\s(.*\s)?(shell|login)(\s|$)"
    r"|(^|[^\w-])setpriv\s(.*\s)?'?--((r|e|re)[ug]id|groups|init-groups|keep-groups|(inh|ambient)-caps[=\s]\S*\+)"
    r"|(^|[^\w-])capsh\s(.*\s)?'?--(user|uid|gid|groups|caps|inh|addamb|chroot|keep|secbits|iab)="
    r"|(^|[^\w-])(docker(-compose)?|podman(-compose)?|nerdctl|finch|ctr|kubectl|oc|buildah)\s(.*\s)?'?(--privileged"
    r"|--(pid|ipc|uts|userns|cgroupns|network|net)[=\s]'?host(\s|'|$)|--cap-add|--net-host|--with-ns[=\s]"
    r"|--security-opt[=\s]'?(\S*unconfined|label[=:]disable|unmask=)|--device(-cgroup-rule)?[=\s]"
    rf"|(-[a-zA-Z]*v|--volume)(=|\s+)?'?/(({_HOST_DIRS})(/[^\s:']*)?)?:"
    rf"|--mount[=\s]'?\S*(source|src)=/(({_HOST_DIRS})(/[^\s,']*)?)?(,|'|\s|$)"
    r"|debug\s(.*\s)?(node|nodes|no)/|--profile[=\s]'?(sysadmin|netadmin))"
    r"|(^|[^\w-])kubectl\s.*(\"(hostPID|hostIPC|hostNetwork|privileged)\"\s*:\s*true|\"hostPath\")"
    r"|(^|[^\w-])(kubectl|oc|helm)\s[^;&|\n]*([\s,{'\"](hostPID|hostIPC|hostNetwork|privileged)\"?\s*:\s*'?true"
    r"|[\s,{'\"]hostPath\"?\s*:|[\s,{'\"]add\"?\s*:\s*\[\s*['\"]?[A-Za-z]"
    r"|\"path\"\s*:\s*\"[^\"]*/(hostPID|hostIPC|hostNetwork|privileged|hostPath|capabilities/add)[/\"]"
    r"|--clusterrole[=\s]'?cluster-admin(\s|'|$)|pod-security\.kubernetes\.io/\S*=\s*'?privileged)"
    r"|(^|[^\w-])helm\s[^;&|\n]*--set(-string)?[=\s]'?([^\s']*[.,])?((privileged|hostPID|hostIPC|hostNetwork)=\s*'?true"
    r"|[^\s=']*(hostPath|capabilities\.add))"
    r"|(^|[^\w-])(kubectl|oc)\s[^;&|\n]*(exec|attach|cp)\s([^;&|\n]*\s)?'?((-n\s*|--namespace[=\s])'?kube-system(\s|'|$)"
    r"|kube-system/)"
    r"|(^|[^\w-])(kubectl|oc)\s[^;&|\n]*(-n\s*|--namespace[=\s])'?kube-system\s([^;&|\n]*\s)?'?(exec|attach|cp)\s"
    r"|(^|[^\w-])oc\s[^;&|\n]*adm\s+policy\s+add-(scc-to-(user|group)\s+'?(privileged|hostaccess|hostmount-anyuid"
    r"|hostnetwork\S*)|cluster-role-to-(user|group)\s+'?cluster-admin)(\s|'|$)"
    r"|(^|[^\w-])(docker(-compose)?|podman(-compose)?|nerdctl|finch)\s(.*\s)?exec\s(.*\s)?'?(-[a-zA-Z]*u\s*'?"
    r"|--user[=\s]'?)(0|root)(:\S*)?(\s|'|$)"
    r"|(^|[^\w-])(lxc|incus)\s(.*\s)?security\.privileged[=\s]+'?true"
    rf"|(^|[^\w-])(lxc|incus)\s[^;&|\n]*\sdisk\s[^;&|\n]*source=/(({_HOST_DIRS})(/[^\s']*)?)?(\s|'|$)"
    r"|(^|[^\w-])(lxc|incus)\s[^;&|\n]*\sraw\.lxc(\s|=|'|$)"
    r"|(^|[^\w-])(ssh|ssh-copy-id|slogin|mosh|autossh|scp|sftp|rsync|sshfs)\s((.*\s)?('?-l\s*'?root(\s|'|$)"
    r"|'?-o\s*'?[Uu][Ss][Ee][Rr][=\s]+root(\s|'|$))|(.*[\s'\"/=])?root@)"
    r"|\bchmod\s(.*\s)?'?([^\s']*,)?([ugoa]*[+=][rwxXtugo]*s|0*[2-7][0-7]{3})(\s|,|'|$)"
    r"|\binstall\s(.*\s)?'?(-m\s*|--mode[=\s])'?([ugoa]*[+=][rwxXtugo]*s|0*[2-7][0-7]{3})(\s|,|'|$)"
    rf"|\b(chmod|chown|chgrp)\s(.*\s)?'?--reference[=\s]+'?/({_SYSTEM_FILES})/"
    rf"|(^|[^\w-])busctl(\s+'?({_NOT_USER}))*\s+'?(call|set-property|emit)(\s+'?({_NOT_USER}))*\s*($|[;&|)])"
    r"|(^|[^\w-])gdbus\s+'?(call|emit)\s(.*\s)?'?(--system|-y)(\s|'|$)"
    r"|(^|[^\w-])dbus-send\s(.*\s)?'?--system(\s|'|$)"
    r"|(^|[^\w-])qdbus(6|-qt[56])?\s(.*\s)?'?--system\s+'?org\.freedesktop\.\S*\s+\S+\s+\S"
    r"|(^|[^\w-])(busctl|gdbus|dbus-send|qdbus\S*)\s.*system_bus_socket"
    r"|(^|[^\w-])systemctl\s+(('?-[^-\s]\S*|'?--(system|now|force|runtime|quiet|no-reload|no-block|no-ask-password))\s+)*"
    r"'?(link|enable|reenable)\s(.*\s)?'?[^\s']*/[^\s']*\.(service|socket|timer|path|mount|automount)(\s|'|$)"
    r"|^mount(\.\w+)?\s([^;&|\n]*\s)?'?([^\s']*/|[A-Z]+=|-[a-zA-Z]*[aBRM][a-zA-Z]*(\s|'|$)|-o\s*'?[^\s']*(remount|bind|move)"
    r"|--(all|bind|rbind|move|make-\S+|source|target)(\s|=|'|$)|(-t\s*|--types?[=\s])'?\S+\s+'?[^\s'\-;&|])"
    r"|^umount\s([^;&|\n]*\s)?'?([^\s'-]|-[a-zA-Z]*[aR]|--(all|recursive)(\s|'|$))"
    r"|\bchown\s+(-\S+\s+)*'?(root|0)([:.]\S*)?(\s|'|$)|with administrator privileges"
    rf"{_CONFIG_RUNS}"
)
#: a word on a cluster CLI's line that is not ``--dry-run`` (``--dry-run=none`` changes too)
_NOT_DRY = (
    r"[^\s'\-;&|][^\s;&|]*|-|-[^\s\-;&|][^\s;&|]*|--|--[^\sd;&|][^\s;&|]*|--d|--d[^\sr;&|][^\s;&|]*|--dr"
    r"|--dr[^\sy;&|][^\s;&|]*|--dry|--dry[^\s\-;&|][^\s;&|]*|--dry-|--dry-[^\sr;&|][^\s;&|]*|--dry-r"
    r"|--dry-r[^\su;&|][^\s;&|]*|--dry-ru|--dry-ru[^\sn;&|][^\s;&|]*|--dry-run=none"
)
#: a change to a live cluster (what runs there, with which identity, how many, its labels): ``kubectl``/
#: ``oc`` ``apply``, ``create``, ``replace``, ``patch``, ``edit``, ``set`` (``image``, ``serviceaccount``,
#: ``env``, ``resources``…), ``scale``, ``autoscale``, ``delete``, ``label``, ``annotate``, ``taint``,
#: ``cordon``/``uncordon``/``drain``, ``expose``, ``run``, ``rollout undo|restart|pause|resume``,
#: ``certificate approve|deny`` (``oc new-app``, ``start-build``, ``rollback``, ``adm policy``), and
#: ``helm install|upgrade|rollback|uninstall``, after any global option (``--context prod``, ``-n ns``);
#: not with ``--dry-run``/``--dry-run=client|server`` (a manifest printed), nor ``get``, ``describe``,
#: ``logs``, ``diff``, ``rollout status``, ``helm list|template|status``.  ``strict`` asks for it
#: (a change outside the workspace, as ``strict_write_other``), ``soc2_compliant`` holds it for approval
#: as change management; ``hipaa_standard`` and ``permissive`` leave it allowed.
#: (the program's name and one space, as a reading spells it: the rule's factors for the option
#: spellings, ``_option_rules``, are the programs, not the verbs)
_CLUSTER_WORDS = rf"\s*('?({_NOT_DRY})\s+)*'?"
_KUBE_VERBS = (
    r"(apply|create|replace|patch|edit|set|scale|autoscale|delete|label|annotate|taint|cordon|uncordon|drain|expose"
    r"|run|rollout\s+'?(undo|restart|pause|resume)|certificate\s+'?(approve|deny)|new-app|start-build|rollback"
    r"|adm\s+'?policy)"
)
CLUSTER_CHANGE = (
    rf".*(^|[^\w-])(kubectl {_CLUSTER_WORDS}{_KUBE_VERBS}|oc {_CLUSTER_WORDS}{_KUBE_VERBS}"
    rf"|helm {_CLUSTER_WORDS}(install|upgrade|rollback|uninstall|delete|del|un))"
    rf"(\s+'?({_NOT_DRY}))*\s*($|[;&|)]).*"
)
PRIV_ESC = (
    rf".*({PRIV_RUN}"
    r"|\bchmod\s+(-[a-zA-Z]+\s+)*([0-7]?777|[ugo]*[ao][ugoa]*[+=][rwxXst]*w[rwxXst]*)\b).*"
)
#: the files that say who may run as root, and what runs as root later (cron, units, init scripts)
PRIV_PATHS = (
    r"etc/(sudoers(\.d)?|sudo\.conf|doas\.conf|passwd|shadow|group|gshadow|subuid|subgid|polkit-1|pam\.d"
    r"|security|ld\.so\.preload|cron[^/]*|anacrontab|systemd/system|init\.d|rc\.local)|root|var/spool/cron"
)
PRIV_FILES = rf"^/({PRIV_PATHS})(/.*)?$"
#: a mode with the setuid or setgid bit (``file_chmod`` targets are ``path:mode``)
SETUID_MODE = r".*:(0*[2-7][0-7]{3}|(.*,)?[ugoa]*[+=][rwxXtugo]*s.*)$"
#: a disk, a partition or memory written through /dev (the streams and terminals are no device)
DEVICES = r"^/dev/(?!(null|zero|full|u?random|std(in|out|err)|tty\d*|console|ptmx)$|(fd|pts|shm|mqueue)/).+$"
RM_RF = r".*\brm\s+(-[a-zA-Z]+\s+)*-[a-zA-Z]*([rR][a-zA-Z]*f|f[a-zA-Z]*[rR]).*"


def rule(
    template: str,
    pid: str,
    action_type: str,
    rx: str,
    action: str,
    severity: str,
    message: str | None = None,
    mode: str | None = None,
    **meta: JsonValue,
) -> Pattern:
    return Pattern(
        id=pid,
        action_type=action_type,
        pattern=rx,
        action=action,
        severity=severity,
        message=message,
        violation_mode=mode,
        metadata={"template": template, **meta},
    )


#: the file actions that change what :data:`GUARD_FILES` hold (a read of them is no change)
GUARD_ACTIONS = ("file_write", "file_delete", "file_move", "file_chmod")


def guard_rules(
    template: str, prefix: str, severity: str, message: str, mode: str | None = None, **meta: JsonValue
) -> list[Pattern]:
    """One ``deny`` rule per :data:`GUARD_ACTIONS` kind on :data:`GUARD_FILES` (``<prefix>_guard_write``…)
    and one on a shell line that moves them or removes Goalrail (:data:`GUARD_LINES`, ``<prefix>_guard_shell``);
    ``mode`` ``sigstop`` asks instead."""
    files = [
        rule(template, f"{prefix}_guard_{kind[5:]}", kind, GUARD_FILES, "deny", severity, message, mode, **meta)
        for kind in GUARD_ACTIONS
    ]
    line = rule(
        template, f"{prefix}_guard_shell", "shell_execute", GUARD_LINES, "deny", severity, message, mode, **meta
    )
    return [*files, line]


class TemplatePolicy(Policy):
    """A Policy built from a template and options."""

    template = ""
    option_defaults: Mapping[str, object] = {}
    option_choices: Mapping[str, tuple[object, ...]] = {}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("name", self.template)
        super().__init__(**kwargs)
        self.options: dict[str, Any] = dict(self.option_defaults)
        self._rebuild("created")

    def _template_patterns(self) -> list[Pattern]:
        raise NotImplementedError

    def _rebuild(self, change: str) -> None:
        own = [p for p in self._patterns if p.metadata.get("template") != self.template]
        self._patterns = []
        with regex_engine(SHIPPED):  # our own regexes, options escaped into them as literals
            shipped = self._template_patterns()
        for p in [*shipped, *own]:
            self._insert(p)
        self.settings.update({f"{self.template}.{k}": v for k, v in self.options.items()})
        self._changed(change, None)

    def configure(self, **options: object) -> TemplatePolicy:
        for key, value in options.items():
            if key not in self.option_defaults:
                known = ", ".join(self.option_defaults)
                raise ValueError(f"{self.template}: unknown option `{key}` (known: {known})")
            default = self.option_defaults[key]
            choices = self.option_choices.get(key)
            if choices is not None and value not in choices:
                raise ValueError(f"{self.template}: {key} `{value}` is not one of {', '.join(map(str, choices))}")
            if isinstance(default, bool) and not isinstance(value, bool):
                raise ValueError(f"{self.template}: {key} must be true or false")
            if (
                isinstance(default, int)
                and not isinstance(default, bool)
                and (isinstance(value, bool) or not isinstance(value, int) or value < 0)
            ):
                raise ValueError(f"{self.template}: {key} must be a non-negative integer")
            if isinstance(default, list) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ValueError(f"{self.template}: {key} must be a list of strings")
        self.options.update(options)
        self._rebuild("configured")
        return self


def escape_word(name: str) -> str:
    return re.escape(name)


def escape_path(path: str) -> str:
    return re.escape(path.strip("/"))
