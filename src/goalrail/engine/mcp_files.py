"""MCP tools read as the file and fetch actions they are, when no ``tool_mapping`` names them.

The most used MCP servers read, write and move files on the agent's machine or fetch URLs from it:
the reference ``filesystem`` server (``read_file {path}``, ``read_multiple_files {paths}``,
``move_file {source, destination}``…), Desktop Commander, Serena, the reference ``fetch`` server
and the browser servers (Puppeteer's ``puppeteer_navigate {url}``, Playwright's
``browser_navigate``, Chrome DevTools' ``navigate_page``).  Before, such a tool was an action only
once the operator mapped it, so ``mcp__filesystem__read_file`` of ``~/.ssh/id_rsa`` met no file rule.

``MCP_FILE_TOOLS`` names those tools (the tool's part of ``mcp__<server>__<tool>``, compared
folded: ``readFile``, ``READ_FILE``) with the action type each is, and ``ActionMapper`` reads a call
of one as that action (``mapped_by: builtin:mcp-file`` or ``builtin:mcp-fetch``) — its tool name
kept, so a rule on ``mcp__filesystem__*`` still applies — only when its arguments name a path or a
URL by the keys that action's reader knows (``path``, ``paths``, ``source``/``destination``,
``file_path``, ``relative_path``, ``url``…); a call naming neither is judged by its name only,
as before.  Tools that read *remote* content (GitHub's ``get_file_contents``, ``create_or_update_file``,
Google Drive's ``gdrive_read_file``) are not listed: their ``path`` is in a repository or a drive,
not on this machine; nor is a delete on a server so named (``REMOTE_SERVERS``: GitHub's
``delete_file``).  A move (``move_file``, ``rename``) or a copy (``copy_file``: a read of its
source) is judged at both ends as ``mv`` and ``cp`` are (``action["transfer"]``,
``policies.builtins._pattern_transfers``), and Desktop Commander's ``read_file {path, isUrl: true}``
is the fetch of that URL.  A ``tool_mapping`` entry (exact or glob) for a tool
wins, even one naming a less strict action: the operator writes the server config.
"""

from __future__ import annotations

#: Local file reads: the reference filesystem server's, Desktop Commander's (``search_code``,
#: ``start_search``) and Serena's (``list_dir``, ``find_file``, ``search_for_pattern``…).
_READS = (
    "read_file read_text_file read_media_file read_multiple_files list_directory list_directory_with_sizes"
    " directory_tree search_files get_file_info search_code start_search list_dir find_file search_for_pattern"
    " get_symbols_overview"
)
#: Local file writes and edits: the filesystem server's, Desktop Commander's ``edit_block``, Serena's
#: (``create_text_file``, ``replace_regex``, ``replace_content``, the line and symbol edits).
_WRITES = (
    "write_file edit_file create_directory edit_block create_text_file replace_regex replace_content"
    " replace_lines delete_lines insert_at_line replace_symbol_body insert_after_symbol insert_before_symbol"
    " append_file append_to_file write_pdf"
)
#: writes by a generic name, as other servers call them (``write``, ``save_file``, ``create_file``…):
#: read as writes only on a server not holding remote content (``REMOTE_SERVERS``), as deletes are
_GENERIC_WRITES = "write create_file create_new_file save_file put_file overwrite_file write_text_file"
_MOVES = "move_file rename_file rename move_directory rename_directory"
#: copies read their source and write their destination (``action["transfer"]``: ``copy``)
_COPIES = "copy_file copy_directory copy_path"
#: deletes, except on a server holding remote content (``REMOTE_SERVERS``: GitHub's ``delete_file``)
_DELETES = "delete_file remove_file delete_directory remove_directory delete_path trash_file"
#: words of a server's name saying its paths are in a repository, a drive or a bucket, not on this machine
REMOTE_SERVERS = frozenset(
    {"github", "gitlab", "gitea", "bitbucket", "gdrive", "drive", "dropbox", "onedrive", "s3", "sharepoint"}
)
#: URLs fetched from this machine: the fetch servers' (the reference ``fetch``, ``fetch_html``,
#: ``fetch_markdown``…), the browsers' (Puppeteer, Playwright, Chrome DevTools) and generic ones.
_FETCHES = (
    "fetch fetch_url fetch_html fetch_markdown fetch_txt fetch_json http_get http_request read_url open_url"
    " navigate goto puppeteer_navigate playwright_navigate browser_navigate browser_tab_new navigate_page new_page"
)

_FOLD = str.maketrans("", "", "_-. ")


def folded(name: str) -> str:
    """A tool name compared loosely: lower case, without ``_``, ``-``, ``.`` or spaces."""
    return name.lower().translate(_FOLD)


#: a tool's folded name → the action type a call of it is (when its arguments name a path or URL)
MCP_FILE_TOOLS: dict[str, str] = {
    folded(name): action_type
    for names, action_type in (
        (_READS, "file_read"),
        (_WRITES, "file_write"),
        (_GENERIC_WRITES, "file_write"),
        (_MOVES, "file_move"),
        (_COPIES, "file_read"),
        (_DELETES, "file_delete"),
        (_FETCHES, "network_request"),
    )
    for name in names.split()
}


COPIES = frozenset(folded(name) for name in _COPIES.split())
#: the names read as their action only on a server not holding remote content
_LOCAL_ONLY = frozenset(folded(name) for name in f"{_DELETES} {_GENERIC_WRITES}".split())


def mcp_file_action(tool: str, server: str = "") -> tuple[str, str] | None:
    """(action type, mapped_by) an MCP server's tool (its part of ``mcp__<server>__<tool>``) is read
    as, or None for a tool not listed (or a delete or generic write on a server of remote content)."""
    name = folded(tool)
    action_type = MCP_FILE_TOOLS.get(name)
    if action_type is None:
        return None
    if name in _LOCAL_ONLY and not REMOTE_SERVERS.isdisjoint(server.lower().replace("-", "_").split("_")):
        return None  # (`mcp__github__delete_file {owner, repo, path}`: a repository's file)
    return action_type, "builtin:mcp-fetch" if action_type == "network_request" else "builtin:mcp-file"
