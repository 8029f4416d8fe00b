"""The server's own files: what a governed agent on the same machine must not change or read.

A server runs from files (its config, the policy YAML under ``policy_dirs``, the agent specs
under ``agents_dir``, the policy modules it imports, its SQLite store, the console token and
cookie key, its home ``$GOALRAIL_HOME``), wherever the operator put them.  An agent that rewrote,
removed, moved or locked one (``echo … > /srv/goalrail/policies/admin.yaml``, ``rm`` of the
store) would loosen what the server enforces; one that read a token or the store would hold an
admin credential or other sessions' data.  :func:`own_files` lists them once, at start-up, as
absolute paths in every spelling the server knows (as given, ``realpath``-resolved, and
``~/…`` for those under the server user's home); ``runtime.own_files_guard`` turns the list into
the always-on guard every session's chain starts with.

Only ``server.guard_own_files: false`` in the server config turns it off (nothing a session,
an agent spec or a chat command sends can).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from goalrail.config.server import ServerConfig
from goalrail.defaults import goalrail_home

#: what SQLite keeps beside its database file
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class OwnFiles:
    """``protected``: paths (files or directories, everything under them too) no session may
    write, delete, move or change the mode of; ``secrets``: those it may not read either."""

    protected: tuple[str, ...]
    secrets: tuple[str, ...]


def sqlite_path(database_url: str | None, home: str) -> str | None:
    """The file a ``database_url`` names (the default store ``$GOALRAIL_HOME/goalrail.db`` for
    None; None for PostgreSQL, ``memory://`` and an in-memory SQLite URL)."""
    if database_url is None:
        return os.path.join(home, "goalrail.db")
    url = database_url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.lower().startswith("sqlite"):
        return None
    path = rest[1:] if rest.startswith("/") else rest  # sqlite:///rel.db, sqlite:////abs.db
    path = path.split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def _module_file(name: str) -> str | None:
    """The file (a package: its directory) of a policy module the registry imported."""
    module = sys.modules.get(name)
    origin = getattr(module, "__file__", None)
    if not isinstance(origin, str):
        return None
    return os.path.dirname(origin) if os.path.basename(origin) == "__init__.py" else origin


def _handler_modules(cfg: ServerConfig) -> Iterable[str]:
    """Modules of the config's and agent specs' handlers that are not Goalrail's own."""
    specs = [*cfg.policies, *(s for agent in cfg.agents.values() for s in agent.policies)]
    for spec in specs:
        module = spec.handler.rpartition(".")[0]
        if module and not module.startswith("goalrail.") and module != "goalrail":
            yield module


def own_files(
    cfg: ServerConfig,
    *,
    config_path: str | os.PathLike[str] | None,
    token_file: str | os.PathLike[str] | None = None,
    home: str | None = None,
) -> OwnFiles | None:
    """The server's own files (None: ``server.guard_own_files: false``).  Reads the disk
    (``realpath``): call it once, at start-up."""
    if not guard_setting(cfg.server):
        return None
    home = home or goalrail_home()
    token = Path(token_file) if token_file is not None else Path(home) / "console-token"
    store = sqlite_path(cfg.database_url, home)
    secrets = [str(token), str(token.parent / "cookie-key"), os.path.join(home, "cookie-key")]
    secrets += [os.path.join(home, name) for name in ("console-token", "token")]
    if store is not None:
        secrets += [store + side for side in SQLITE_SIDE_FILES]
    if cfg.llm.get("api_key") and config_path is not None:
        secrets.append(str(config_path))  # (a key written in the file: reading it reads the key)
    protected = [home, *secrets, *(str(p) for p in (*cfg.policy_dirs, *cfg.policy_dirs_spelled))]
    if config_path is not None:
        protected.append(str(config_path))
    if cfg.agents_dir is not None:
        protected.append(str(cfg.agents_dir))
    modules = [*cfg.policy_modules, *_handler_modules(cfg)]
    protected += [f for name in modules if (f := _module_file(name)) is not None]
    return OwnFiles(protected=spellings(protected), secrets=spellings(secrets))


def spellings(paths: Iterable[str], user_home: str | None = None) -> tuple[str, ...]:
    """Each path absolute and normalized, also ``realpath``-resolved (a symlink's target), and
    ``~/…`` where it lies under ``user_home`` (the server user's home); in order, once each."""
    user_home = os.path.normpath(user_home or os.path.expanduser("~"))
    out: dict[str, None] = {}
    for raw in paths:
        absolute = os.path.normpath(os.path.abspath(os.path.expanduser(raw)))
        for form in (absolute, os.path.realpath(absolute)):
            out[form] = None
            if user_home != "/" and (form == user_home or form.startswith(user_home + "/")):
                out["~" + form[len(user_home) :]] = None
    return tuple(p for p in out if p not in ("/", "~"))


def guard_setting(server: Mapping[str, object]) -> bool:
    """``server.guard_own_files`` (default true)."""
    return server.get("guard_own_files", True) is not False
