"""One ``goalrail hook <harness>`` process under callgrind: instructions per hook call (load-independent).

    python bench/hook_instructions.py [--runs 3] [--tree PATH] [--only codex ...]

Each harness's hook runs as the harness spawns it — a fresh Python process, its payload
on stdin — against a stub server on loopback that answers every event ``ALLOW`` at once
(the Goalrail server's own work is ``http_instructions.py``'s), so the count is the hook's
own: start-up, imports, reading the payload, translating it, the HTTP round trip's client
side and the answer.  Payloads: a shell call per harness, a prompt with and without an ``@``
mention, an MCP call (Gemini without ``mcp_context``, Cursor naming its server by command), and
events not mapped.  The whole process is counted (Python's start-up included, ≈ the ``python -c
pass`` row), median of ``--runs``, bytecode cached (as installed).  ``--tree`` runs another
checkout's ``src`` (an exported base) with the same payloads.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from callgrind import collected

HERE = Path(__file__).resolve().parent

SHELL = {"command": "git status"}
CASES: dict[str, tuple[str, dict[str, object]]] = {
    "claude-code PreToolUse Bash": (
        "claude-code",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": SHELL},
    ),
    "claude-code Stop (informational)": (
        "claude-code",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "Stop", "stop_hook_active": False},
    ),
    "claude-code event not mapped, with a tool": (
        "claude-code",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "PreToolUse2", "tool_name": "Bash", "tool_input": SHELL},
    ),
    "claude-code UserPromptSubmit": (
        "claude-code",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "UserPromptSubmit", "prompt": "fix the tests"},
    ),
    "claude-code UserPromptSubmit @mention": (
        "claude-code",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "UserPromptSubmit", "prompt": "summarise @notes.md"},
    ),
    "codex PreToolUse Bash": (
        "codex",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": SHELL},
    ),
    "gemini BeforeTool run_shell_command": (
        "gemini",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "BeforeTool", "tool_name": "run_shell_command"}
        | {"tool_input": SHELL},
    ),
    "gemini BeforeAgent": (
        "gemini",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "BeforeAgent", "prompt": "fix the tests"},
    ),
    "gemini BeforeAgent @mention": (
        "gemini",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "BeforeAgent"}
        | {"prompt": "summarise @notes.md\n--- Content from referenced files ---\nContent from @notes.md:\nx\n"},
    ),
    "gemini BeforeTool mcp_files_read_file": (
        "gemini",
        {"session_id": "s", "cwd": "/w", "hook_event_name": "BeforeTool", "tool_name": "mcp_files_read_file"}
        | {"tool_input": {"path": "/w/a"}},
    ),
    "cursor beforeShellExecution": (
        "cursor",
        {"conversation_id": "s", "workspace_roots": ["/w"], "hook_event_name": "beforeShellExecution"}
        | {"command": "git status", "cwd": "/w"},
    ),
    "cursor beforeMCPExecution": (
        "cursor",
        {"conversation_id": "s", "workspace_roots": ["/w"], "hook_event_name": "beforeMCPExecution"}
        | {"tool_name": "read_file", "tool_input": '{"path": "/w/a"}', "command": "npx server-filesystem /"},
    ),
}


class _Allow(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.dumps({"result": "ALLOW", "reason": None, "policy": None}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _count(tree: Path, harness: str, payload: dict[str, object], url: str) -> int:
    stdin = Path(f"/tmp/hook_instructions_{harness}.json")
    stdin.write_text(json.dumps(payload))
    script = (
        "import sys; sys.stdin = open(sys.argv[1]); sys.argv[1:] = sys.argv[2:];"
        " from goalrail.cli.main import main; main()"  # exit 0 whatever the hook answers (callgrind's run checks it)
    )
    argv = [sys.executable, "-c", script, str(stdin), "hook", harness, "--url", url, "--token", "gr_bench"]
    # Bytecode cached as an installed package has it (a prime run writes it, outside the tree): the
    # count is the hook's run, not compiling its modules.
    env = {"PYTHONPATH": str(tree / "src"), "HOME": "/tmp/hook_instructions_home", "PYTHONDONTWRITEBYTECODE": ""}
    env["PYTHONPYCACHEPREFIX"] = f"/tmp/hook_instructions_pyc/{abs(hash(str(tree.resolve())))}"
    collected(argv, env=env)  # prime
    return collected(argv, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tree", type=Path, default=HERE.parent)
    parser.add_argument("--only", action="append", help="a case name's first word (the harness)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Allow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    floor = statistics.median(collected([sys.executable, "-c", "pass"]) for _ in range(args.runs))
    print(f"tree {args.tree}\n{'python -c pass':48} {floor / 1e6:8.2f} M")
    for name, (harness, payload) in CASES.items():
        if args.only and name.split()[0] not in args.only:
            continue
        counts = [_count(args.tree, harness, payload, url) for _ in range(args.runs)]
        print(f"{name:48} {statistics.median(counts) / 1e6:8.2f} M  (runs {min(counts):,}–{max(counts):,})")
    server.shutdown()


if __name__ == "__main__":
    main()
