"""Canonical actions (DESIGN decision 6), in one place.

Harness tool names map onto Goalrail's canonical tools (``sys_os_read``,
``sys_os_write``, ``sys_os_edit``, ``sys_os_shell``, ``web_fetch``, MCP tools as
``mcp__<server>__<tool>``), and every event carries its Agent OS action type
(``file_read``, ``shell_execute``, ``network_request``…) and target.  The server
config may add mappings (``tool_mapping``), e.g. a filesystem MCP server's
``write_file`` onto ``sys_os_write``.  Builtins match canonical names only: every harness-specific
name lives here — tool names (``HARNESS_ALIASES``: Claude Code's ``Bash``, Codex's ``exec_command``…,
in any case or separators: ``RUN_SHELL_COMMAND``) and the argument keys a target or a working
directory is read from (``DIRECTORY_ARGUMENTS``: Codex's ``workdir``…).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from goalrail.engine.directory_args import DIRECTORY_ARGUMENTS as DIRECTORY_ARGUMENTS
from goalrail.engine.harness_aliases import HARNESS_ALIASES as HARNESS_ALIASES
from goalrail.engine.mapping_table import compiled, lookup
from goalrail.engine.mcp_commands import COMMAND_IN, SHAPED, mcp_shell, shell_shaped, typed_command
from goalrail.engine.mcp_files import COPIES, folded, mcp_file_action
from goalrail.engine.targets import Reader, extract_targets, reader, subjects
from goalrail.engine.tools import NO_META, ToolCatalog, ToolMeta, meta_from_annotations
from goalrail.policies.schema import ACTION_TYPES, Action

CANONICAL_TOOLS = (
    "sys_os_read",
    "sys_os_write",
    "sys_os_edit",
    "sys_os_shell",
    "sys_os_delete",
    "web_fetch",
    "web_search",
    "load_skill",
    "read_skill_file",
    "sys_os_enter_worktree",
    "sys_os_exit_worktree",
)


TOOL_ACTION_TYPE = {
    "sys_os_read": "file_read",
    "sys_os_write": "file_write",
    "sys_os_edit": "file_write",
    "sys_os_delete": "file_delete",
    "sys_os_shell": "shell_execute",
    "web_fetch": "network_request",
    "web_search": "network_request",
}

#: A tool name compared loosely (``name.lower().translate(FOLD)``: no ``_``, ``-``, ``.`` or spaces), and
#: ``HARNESS_ALIASES`` so folded (no two fold onto different tools: a unit test checks).
FOLD = str.maketrans("", "", "_-. ")
_FOLDED_ALIASES = {name.lower().translate(FOLD): tool for name, tool in HARNESS_ALIASES.items()}
_MCP = re.compile(r"^mcp__([^_].*?)__(.+)$")
#: an MCP server's tool with one of these names runs a shell command (``mcp__box__run_command``,
#: ``mcp__desktop-commander__start_process``, ``mcp__serena__execute_shell_command``…): it is ``sys_os_shell``
#: unless ``tool_mapping`` says otherwise (``mcp_commands``; compared folded: ``runCommand``, ``RUN-COMMAND``)
MCP_SHELL_TOOLS = frozenset(
    folded(name) for name, canonical in HARNESS_ALIASES.items() if canonical == "sys_os_shell" and name != "Monitor"
)


#: What :meth:`ActionMapper._named_as` keeps per name: the action's first five keys (a template,
#: copied per call, its ``target`` set), the action type, the metadata, the declared kind,
#: whether the metadata's kind differs from the declared one and the action type's reader of
#: a call's subjects (``targets.reader``).
_Named = tuple[Action, str | None, ToolMeta, str | None, bool, Reader]
#: An action of no tool (an event of another phase, a call without a name), copied per event.
NO_ACTION: Action = {"tool": None, "original": None, "type": None, "target": None, "mapped_by": None}


_INFERRED = ("builtin:mcp-file", "builtin:mcp-fetch", SHAPED)


def _fetched(arguments: Mapping[str, object]) -> str | list[str] | None:
    """The URL an MCP file read told to fetch one names (its ``path``, or a ``url``)."""
    return _URL_READ(arguments) or _PATH_READ(arguments)


_URL_READ, _PATH_READ = reader("network_request"), reader("file_read")


def _tool_part(name: str) -> str:
    """The tool's part of ``mcp__<server>__<tool>``, folded (``mcp_files.folded``); "" for another name."""
    mcp = _MCP.match(name)
    return folded(mcp.group(2)) if mcp is not None else ""


def parse_mcp_name(name: str) -> tuple[str, str] | None:
    m = _MCP.match(name)
    return (m.group(1), m.group(2)) if m else None


class ActionMapper:
    """Maps a tool name (and arguments) onto its canonical action.

    ``mapping`` comes from the server config's ``tool_mapping``: keys are exact
    tool names or glob patterns (``mcp__*__write_file``); values are a
    canonical tool (``sys_os_write``) or an Agent OS action type
    (``database_write``).
    """

    def __init__(
        self,
        mapping: Mapping[str, str] | None = None,
        *,
        tools: ToolCatalog | None = None,
        server_tools: ToolCatalog | None = None,
        lower: Mapping[str, str] | None = None,
    ) -> None:
        self.mapping = dict(mapping or {})
        self.tools = tools or ToolCatalog()
        # The server's own descriptions when a lower level (an agent spec) added some: ``declared_kind``.
        self.server_tools = server_tools
        self._exact, self._globs = compiled(mapping)
        # A lower level's additions (``extended``), consulted only for a name nothing above maps.
        self._lower_exact, self._lower_globs = compiled(lower)
        self._cache: dict[str, tuple[str | None, str | None, str | None]] = {}
        self._named: dict[str, _Named] = {}  # what map_tool reads of a name alone (:meth:`_named_as`)
        # an MCP file or fetch tool's two (``mcp_files``): as its action, and by its name only
        self._inferred: dict[str, tuple[_Named, _Named]] = {}
        self._fetches: dict[str, _Named] = {}  # an MCP file read fetching a URL (`isUrl`)

    def _resolve(self, name: str, infer: bool = True) -> tuple[str | None, str | None, str | None]:
        """(canonical tool, action type, mapped_by) for a tool name, an MCP file or fetch tool read
        as its action unless ``infer`` is false (``mcp_files``); cached."""
        hit = self._cache.get(name) if infer else None
        if hit is not None:
            return hit
        value, mapped_by = lookup(name, self._exact, self._globs)
        if value is None and name in HARNESS_ALIASES:
            value, mapped_by = HARNESS_ALIASES[name], "builtin"
        if value is None and not name.startswith("mcp_"):  # another case or separator: `RUN_SHELL_COMMAND`, `Web-Fetch`
            value = _FOLDED_ALIASES.get(name.lower().translate(FOLD))
            mapped_by = "builtin" if value is not None else None
        if value is None and name.startswith("mcp__"):
            mcp = _MCP.match(name)
            shell = mcp_shell(mcp.group(1), mcp.group(2), MCP_SHELL_TOOLS) if mcp is not None else None
            if shell is not None and (infer or shell != SHAPED):
                value, mapped_by = "sys_os_shell", shell  # (a name only, `SHAPED`: when its call names a command)
            elif mcp is not None and infer and (inferred := mcp_file_action(mcp.group(2), mcp.group(1))) is not None:
                value, mapped_by = inferred  # an action type: the tool keeps its name, for rules on it
        if value is None and (self._lower_exact or self._lower_globs):
            value, mapped_by = lookup(name, self._lower_exact, self._lower_globs)
        if value is None:
            out: tuple[str | None, str | None, str | None] = (name, TOOL_ACTION_TYPE.get(name), None)
        elif value in ACTION_TYPES:
            out = (name, value, mapped_by)
        else:
            out = (value, TOOL_ACTION_TYPE.get(value), mapped_by)
        if len(self._cache) < 10_000 and infer:
            self._cache[name] = out
        return out

    def extended(self, mapping: Mapping[str, str] | None, tools: ToolCatalog | None) -> ActionMapper:
        """This mapper plus a lower level's additions (an agent spec's ``tool_mapping`` and ``tools``).

        A lower level only adds: a name this mapper already maps (exactly, by a
        glob or as a harness alias) keeps its mapping — the lower level's globs are
        consulted only for names nothing above maps, so ``B*`` or ``*`` cannot reach
        ``Bash`` either — and tool metadata combines to the stricter description, so
        an agent spec cannot turn ``Bash`` into something shell policies skip.
        """
        extra = {
            k: v for k, v in (mapping or {}).items() if k not in self.mapping and self._resolve(k, False)[2] is None
        }
        catalog = self.tools.stricter(tools) if tools else self.tools
        base = self.server_tools if self.server_tools is not None else self.tools
        server_tools = base if tools else self.server_tools
        return ActionMapper(self.mapping, tools=catalog, server_tools=server_tools, lower=extra)

    def _naming(self, name: str, infer: bool, fetch: bool = False) -> _Named:
        """What a call's action takes from its tool's name alone: the mapping (:meth:`_resolve`, ``infer``
        as there; ``fetch``: an MCP file read told to fetch a URL), the metadata this mapper describes
        it with and the kind the server declares."""
        tool, action_type, mapped_by = self._resolve(name, infer)
        if fetch:
            action_type, mapped_by = "network_request", "builtin:mcp-fetch"
        meta = self.tools.lookup(name, tool) if self.tools else NO_META
        declared = meta.kind
        if self.server_tools is not None:  # an agent spec described tools too: the server's word
            declared = (self.server_tools.lookup(name, tool) if self.server_tools else NO_META).kind
        first: Action = {"tool": tool, "original": name, "type": action_type, "target": None}
        first["mapped_by"] = mapped_by
        if action_type == "file_move" or (mapped_by == "builtin:mcp-file" and _tool_part(name) in COPIES):
            first["transfer"] = "move" if action_type == "file_move" else "copy"  # (its ends: `_pattern_transfers`)
        if tool == "sys_os_shell" and name.lower().translate(FOLD) == "powershell":  # `PowerShell`, pi's…
            first["language"] = "powershell"  # its command is PowerShell (`policies.builtins._powershell`)
        read = reader(action_type, name) if not fetch else _fetched
        if tool == "sys_os_shell" and (key := COMMAND_IN.get(_tool_part(name))):
            first["command_in"] = key  # typed into a running process: judged as the command (`mcp_commands`)
            read = partial(typed_command, key=key)
        return first, action_type, meta, declared, meta.kind != declared, read

    def _named_as(self, name: str, arguments: object = None) -> _Named:
        """:meth:`_naming` of a name, cached per name (the mapping and catalogs never change once made).
        An MCP file or fetch tool read as its action (``mcp_files``) has two, kept apart and chosen per
        call: that action when the call names a path or URL, else its name only."""
        named = self._named.get(name)
        if named is not None:
            return named
        pair = self._inferred.get(name)
        if pair is None:
            named = self._naming(name, True)
            if named[0]["mapped_by"] not in _INFERRED:
                if len(self._named) < 10_000:
                    self._named[name] = named
                return named
            pair = (named, self._naming(name, False))
            if len(self._inferred) < 10_000:
                self._inferred[name] = pair
        named, plain = pair
        if named[1] == "file_read" and type(arguments) is dict and arguments.get("isUrl"):
            return self._fetching(name)  # Desktop Commander's `read_file {path: URL, isUrl: true}` fetches it
        if named[0]["mapped_by"] == SHAPED:  # a tool whose name says it runs commands: a command line named
            return named if shell_shaped(arguments) else plain
        found = named[5](arguments) if type(arguments) is dict else subjects(named[1], arguments)
        return named if found else plain

    def _fetching(self, name: str) -> _Named:
        """:meth:`_naming` of an MCP file read told to fetch its URL (cached with the name's two)."""
        named = self._fetches.get(name)
        if named is None:
            named = self._naming(name, True, fetch=True)
            if len(self._fetches) < 1_000:
                self._fetches[name] = named
        return named

    def map_tool(self, name: str | None, arguments: Any = None, annotations: object = None) -> Action:
        if not name:
            return NO_ACTION.copy()
        named = self._named.get(name)  # (:meth:`_named_as` without the call once the name is known)
        first, action_type, meta, declared, reclassified, read = named or self._named_as(name, arguments)
        dirs = None
        if type(arguments) is dict:  # (the usual call: its type's reader, without ``subjects``' checks)
            found = read(arguments)
            # A key not known to name no directory (most calls have none): every one (:func:`_directory_arguments`).
            if not _NOT_DIRECTORY.issuperset(arguments):
                dirs = _directory_arguments(arguments)
        else:
            found = subjects(action_type, arguments)
            if isinstance(arguments, Mapping) and not _NOT_DIRECTORY.issuperset(arguments):
                dirs = _directory_arguments(arguments)
        action: Action = first.copy()  # the five keys in their order (a copy: fewer instructions than the literal)
        if isinstance(found, list):  # a call naming several subjects: every one, the first as target
            action["target"] = found[0]
            action["targets"] = found
        else:
            action["target"] = found
        if dirs:
            action["dir_args"] = dirs
        if annotations:
            hinted = meta_from_annotations(annotations)
            if hinted is not NO_META:
                meta = meta.stricter(hinted)
                reclassified = meta.kind != declared
        if reclassified:  # a lower level or the event re-classified the tool: a kind it may only tighten
            action["declared_kind"] = declared
        if meta is not NO_META:
            action["kind"] = meta.kind
            action["trust"] = meta.trust
            action["sinks"] = list(meta.sinks)
            action["content"] = list(meta.content)
            action["category"] = meta.category
            action["described_by"] = meta.source
        return action


def _directory_arguments(arguments: Mapping[str, object]) -> dict[str, object] | None:
    """The arguments naming a working directory, by the key the harness used (a plain loop:
    this runs for every tool call, and nearly always finds nothing)."""
    found: dict[str, object] | None = None
    for key in arguments:
        named = _DIRECTORY_KEYS.get(key)  # (``key.lower()``, a new string, once per short key seen)
        if named is None:
            named = isinstance(key, str) and key.lower() in DIRECTORY_ARGUMENTS
            if len(_DIRECTORY_KEYS) < 4096 and isinstance(key, str) and len(key) <= 64:
                _DIRECTORY_KEYS[key] = named
                if not named:
                    _NOT_DIRECTORY.add(key)
        if named:
            if found is None:
                found = {}
            found[key] = arguments[key]
    return found


#: Whether an argument key names a working directory, by the short keys seen (bounded in number and size).
_DIRECTORY_KEYS: dict[object, bool] = {}
#: The keys of ``_DIRECTORY_KEYS`` that name none: a call whose keys are all here has no ``dir_args``.
_NOT_DIRECTORY: set[object] = set()


def extract_target(action_type: str | None, arguments: object) -> str | None:
    """The first of a call's targets (``goalrail.engine.targets``), or None."""
    found = extract_targets(action_type, arguments)
    return found[0] if found else None


DEFAULT_MAPPER = ActionMapper()
