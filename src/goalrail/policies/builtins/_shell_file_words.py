"""A shell word naming a file, as the file rules read it: the paths it may stand for.

A static word is one path (``~/.ssh/id_rsa``, ``~root/x``: the spelling rules take it from
there).  A word known only at run time is read as far as the shell's own rules allow:

* ``$HOME``/``${HOME}`` at its start is ``~``, ``$PWD``/``${PWD}``/``$(pwd)`` is ``.``;
* a brace expansion is expanded (``{.e,}nv`` is ``.env`` and ``nv``; at most
  :data:`MAX_BRACES` words, more is :data:`UNKNOWN`), and a program is handed the words it makes
  (:func:`braced`: ``mv f{,.bak}`` moves ``f`` to ``f.bak``);
* a variable that moves a credential store or the agent's guard (:data:`STORE_VARIABLES`,
  :data:`HARNESS_VARIABLES`) at its start is read at its default place, and as a file named at run time;
* a glob whose every wildcard component is *narrow* — it does not start with ``.`` (without
  ``dotglob`` a wildcard never matches a leading dot) and ends in a literal extension
  (``*.py``, ``test_*.py``), or is a directory ``*``/``**`` (``src/**/*.py``) — is judged as
  written (:data:`GLOB`): a rule on ``.ssh/`` or ``\\.pem$`` sees ``~/.ssh/*.pub`` and ``*.pem``;
* any other glob (``~/.ss?/id_*``, ``.e*``, ``sha*``, ``*``) and a word holding a variable or a
  substitution (``"$F"``, ``$(cat list)``) names files the rules cannot tell
  (:data:`UNKNOWN`): judged as written, and asked where a rule forbids some of that kind — but a
  substitution whose output the line spells (``$(echo P)``, ``$(realpath P)``, ``$(dirname P)``:
  ``_shell_outputs``) is that output.
"""

from __future__ import annotations

import posixpath
import re

from goalrail.policies.builtins._shell_listers import listed_output
from goalrail.policies.builtins._shell_outputs import substituted
from goalrail.policies.builtins._shell_types import Word

#: how sure the path is: spelled out, a narrow glob judged as written, not known before run time;
#: a directory spelled out some of whose files the command reads, writes or deletes (``grep -r x D``,
#: ``cp -r x D``); one whose every file it deletes or changes the mode of (``rm -r D``, ``chmod -R D``);
#: a path handed to a program Goalrail does not know (``mytool .env``: asked where a rule denies it);
#: a file read on another host or in a container (``ssh h cat ~/.aws/credentials``, ``scp h:~/.netrc .``:
#: judged where it names a secret, whose content reaches the agent all the same); a glob a listing
#: may print (``find / -name '*.py' | xargs cat``: judged where its own text names what a rule
#: matches, ``_shell_listers``)
EXACT, GLOB, UNKNOWN, TREE, ALL, HANDED, REMOTE, LISTED = 0, 1, 2, 3, 4, 5, 6, 7
MAX_BRACES = 64
_BRACE = re.compile(r"\{([^{}]*)\}")
_WILD = re.compile(r"[*?\[]")
#: a wildcard component that cannot name a hidden file and ends in a literal extension
_NARROW = re.compile(r"^[^.][^/]*\.[A-Za-z0-9_+-]+$")
_HOMES = ("$HOME", "${HOME}")
#: the variables that move a credential store (or name one), and where it is when they are unset:
#: ``cat $KUBECONFIG`` is judged as ``cat ~/.kube/config`` (and as a file named at run time)
STORE_VARIABLES = {
    "KUBECONFIG": "~/.kube/config",
    "DOCKER_CONFIG": "~/.docker",
    "DOCKER_CERT_PATH": "~/.docker",
    "GNUPGHOME": "~/.gnupg",
    "AWS_SHARED_CREDENTIALS_FILE": "~/.aws/credentials",
    "AWS_CONFIG_FILE": "~/.aws/config",
    "GOOGLE_APPLICATION_CREDENTIALS": "~/.config/gcloud/application_default_credentials.json",
    "CLOUDSDK_CONFIG": "~/.config/gcloud",
    "AZURE_CONFIG_DIR": "~/.azure",
    "NPM_CONFIG_USERCONFIG": "~/.npmrc",
    "npm_config_userconfig": "~/.npmrc",
    "PGPASSFILE": "~/.pgpass",
    "MYSQL_TEST_LOGIN_FILE": "~/.mylogin.cnf",
    "GIT_CONFIG_GLOBAL": "~/.gitconfig",
    "GH_CONFIG_DIR": "~/.config/gh",
    "GLAB_CONFIG_DIR": "~/.config/glab-cli",
    "CARGO_HOME": "~/.cargo",
    "PASSWORD_STORE_DIR": "~/.password-store",
    "RCLONE_CONFIG": "~/.config/rclone/rclone.conf",
    "TF_CLI_CONFIG_FILE": "~/.terraformrc",
    "BOTO_CONFIG": "~/.boto",
    "SOPS_AGE_KEY_FILE": "~/.config/sops/age/keys.txt",
    "PULUMI_HOME": "~/.pulumi",
    "NETRC": "~/.netrc",
}
#: the variables that move a harness's hook and permission settings or Goalrail's home (the agent's
#: guard, ``GUARD_FILES``), and where they are when unset: ``echo {} > "$CLAUDE_CONFIG_DIR/settings.json"``
#: is judged as a write of ``~/.claude/settings.json`` (and of a file named at run time)
HARNESS_VARIABLES = {
    "CLAUDE_CONFIG_DIR": "~/.claude",
    "CODEX_HOME": "~/.codex",
    "GEMINI_CLI_HOME": "~",
    "GEMINI_CLI_SYSTEM_SETTINGS_PATH": "/etc/gemini-cli/settings.json",
    "OPENCODE_CONFIG_DIR": "~/.config/opencode",
    "OPENCODE_CONFIG": "~/.config/opencode/opencode.json",
    "CURSOR_CONFIG_DIR": "~/.cursor",
    "COPILOT_HOME": "~/.copilot",
    "XDG_CONFIG_HOME": "~/.config",
    "GOALRAIL_HOME": "~/.goalrail",
}
_MOVED = {**STORE_VARIABLES, **HARNESS_VARIABLES}
_STORE_VARIABLE = re.compile(r"^\$(\{)?(" + "|".join(_MOVED) + r")(?(1)\})(?=/|$)")
_HERES = ("$PWD", "${PWD}", "$(pwd)", "`pwd`")


def _braces(text: str) -> list[str] | None:
    """``text`` with its brace lists expanded (innermost first); None past :data:`MAX_BRACES`."""
    out = [text]
    for _ in range(16):
        found = False
        nxt: list[str] = []
        for word in out:
            m = next((m for m in _BRACE.finditer(word) if "," in m.group(1)), None)
            if m is None:
                nxt.append(word)
                continue
            found = True
            nxt += [word[: m.start()] + part + word[m.end() :] for part in m.group(1).split(",")]
            if len(nxt) > MAX_BRACES:
                return None
        out = nxt
        if not found:
            return out
    return None


def _kind(path: str, dotglob: bool, variables: bool = True) -> int:
    if variables and ("$" in path or "`" in path):
        return UNKNOWN
    if not _WILD.search(path):
        return EXACT
    parts = path.split("/")
    for i, part in enumerate(parts):
        if not _WILD.search(part) or (part in ("*", "**") and i < len(parts) - 1 and not dotglob):
            continue  # a directory `*`/`**` enters no hidden directory
        if dotglob or not _NARROW.match(part) or _WILD.search(part.rpartition(".")[2]):
            return UNKNOWN
    return GLOB


def braced(words: list[Word]) -> list[Word]:
    """``words`` with each brace list a word known at run time holds expanded into the words it
    stands for (``mv f{,.bak}`` has two operands, ``f`` and ``f.bak``); past :data:`MAX_BRACES`, as written."""
    out: list[Word] = []
    for text, dyn in words:
        found = _braces(text) if dyn and "{" in text and "," in text else None
        out += [(w, any(c in w for c in "$`*?[\"'\\")) for w in found if w] if found else [(text, dyn)]
    return out


def glob_spellings(text: str) -> list[tuple[str, int]]:
    """A file tool's path holding a glob (``Glob``'s pattern joined to its directory): its brace
    lists expanded, each with how sure it is (a ``$`` in a tool's path is a character, not a variable)."""
    words = _braces(text) if "{" in text else [text]
    if words is None:
        return [(text, UNKNOWN)]
    return [(w, _kind(w, False, variables=False)) for w in words if w]


def spellings(text: str, dynamic: bool, dotglob: bool = False) -> list[tuple[str, int]]:
    """The paths a word naming a file may stand for, each with how sure it is (see the module doc)."""
    if not dynamic:
        return [(text, EXACT)] if text else []
    text = text.replace('"', "").replace("'", "")
    if "$(" in text or "`" in text:  # `"$(echo /srv/goalrail)"`: the path it prints
        if (got := listed_output(text)) is not None:  # `cat $(find ~/.aws -name 'cred*')`: what it lists
            return [*((g, GLOB if got[1] else LISTED) for g in got[0]), (text, UNKNOWN)]
        text = substituted(text)
    for home in _HOMES:
        if text == home or text.startswith(home + "/"):
            text = "~" + text[len(home) :]
    for here in _HERES:  # `$PWD/.env`, `"$(pwd)":/app`: the directory the command runs in
        if text.startswith(here) and text[len(here) : len(here) + 1] in ("", "/", ":"):
            text = "." + text[len(here) :]
    stored = _STORE_VARIABLE.match(text) if text[:1] == "$" else None
    if stored is not None:  # `cat "$KUBECONFIG"`: the store wherever it is, and a file named at run time
        return [*spellings(_MOVED[stored.group(2)] + text[stored.end() :], False), (text, UNKNOWN)]
    words = _braces(text) if "{" in text else [text]
    if words is None:
        return [(text, UNKNOWN)]
    return [(w, _kind(w, dotglob)) for w in words if w]


def sources_dest(ops: list[Word], given: dict[str, list[Word]]) -> tuple[list[Word], list[Word], bool]:
    """A copy's or move's sources and destination: ``-t DIR``/``--target-directory`` or the last
    operand (none without two operands); whether a target directory was given."""
    target = given.get("-t", []) + given.get("--target-directory", [])
    if target:
        return ops, target, True
    if len(ops) < 2:
        return [], [], False
    return ops[:-1], ops[-1:], False


def copied_into(sources: list[Word], dest: Word, target: bool) -> list[Word]:
    """What a copy or move into a directory names (``cp -r x/.claude ~/`` makes ``~/.claude``): each
    literal source's name under ``dest`` when ``dest`` is one (a target, ``DIR/``, ``~``, ``.``, or
    several sources)."""
    text, dyn = dest
    if dyn or not (target or text.endswith("/") or text in ("~", ".", "..") or len(sources) > 1):
        return []
    names = (posixpath.basename(t.rstrip("/")) for t, d in sources if not d and ":" not in t.partition("/")[0])
    return [(posixpath.join(text, n), False) for n in names if n not in ("", ".", "..")]


def members_in(members: list[Word], dirs: list[Word]) -> list[Word]:
    """An extraction's named members (``tar xf x.tar F``, ``unzip x.zip F``) in each directory it
    extracts to: the files it writes; a member pattern (``'.claude/*'``) writes its directory too."""
    named = [(t, d) for t, d in members if t[:1] not in ("", "-")]
    named += [(posixpath.dirname(t) + "/", d) for t, d in named if _WILD.search(t) and "/" in t]
    return [(posixpath.join(d, text) if d != "." else text, dyn or ddyn) for text, dyn in named for d, ddyn in dirs]
