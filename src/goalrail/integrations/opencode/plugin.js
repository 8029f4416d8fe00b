// Goalrail for OpenCode: every tool call is checked by a Goalrail server before it runs.
// Installed by `goalrail install opencode`; reinstall to change the settings below.
// DENY, ASK (not approved) and any failure to get a verdict throw, which blocks the tool.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const SETTINGS = /* goalrail-settings */ { url: null, tokenFile: null, askWait: 0, timeout: 10 } /* end */;

function serverUrl() {
  return (SETTINGS.url || process.env.GOALRAIL_URL || "http://127.0.0.1:6767").replace(/\/+$/, "");
}

function firstLine(path) {
  return readFileSync(path, "utf8").split("\n")[0].trim() || null;
}

function token() {
  if (SETTINGS.tokenFile) return firstLine(SETTINGS.tokenFile); // unreadable: throws, so the call is blocked
  if (process.env.GOALRAIL_TOKEN) return process.env.GOALRAIL_TOKEN;
  const home = process.env.GOALRAIL_HOME || join(homedir(), ".goalrail");
  try {
    return firstLine(join(home, "token"));
  } catch {
    return null;
  }
}

function describe(v) {
  let reason = String(v.reason || v.result || "no reason given");
  if (v.policy && reason.startsWith(`${v.policy}: `)) reason = reason.slice(v.policy.length + 2);
  return v.policy ? `Goalrail (${v.policy}): ${reason}` : `Goalrail: ${reason}`;
}

function refused(v) {
  if (v.result !== "ASK") return describe(v);
  if (!v.approval_id) return `${describe(v)} (needs approval in Goalrail; none was created)`;
  return (
    `${describe(v)} — needs approval ${v.approval_id}: approve it at ${serverUrl()}/approvals#${v.approval_id} ` +
    `or with \`goalrail approvals approve ${v.approval_id}\`, then retry the same action`
  );
}

const REFUSED = { denied: "refused in Goalrail", expired: "the approval expired", answered_in_client: "answered in the client" };

async function send(method, path, body, seconds) {
  const failClosed = (why) =>
    new Error(`Goalrail could not check this action (${why}); denied because Goalrail fails closed`);
  let resp;
  try {
    const secret = token();
    resp = await fetch(`${serverUrl()}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(seconds * 1000),
    });
  } catch (err) {
    throw failClosed(`server unreachable: ${err && err.message ? err.message : err}`);
  }
  let data = null;
  try {
    data = await resp.json();
  } catch {
    data = null;
  }
  if (!resp.ok) throw failClosed(`server answered ${resp.status}${data && data.message ? `: ${data.message}` : ""}`);
  if (!data || typeof data !== "object") throw failClosed("server answered without JSON");
  return data;
}

// The same loop as `goalrail hook … --ask-wait`: wait on the approval, then post the identical call again.
async function evaluate(sessionID, event) {
  const path = `/v1/sessions/${encodeURIComponent(sessionID)}/events`;
  const timeout = Number(SETTINGS.timeout) || 10;
  const wait = Number(SETTINGS.askWait) || 0;
  const first = Math.min(wait, 30);
  let verdict = await send("POST", path + (first ? `?wait=${first}` : ""), event, timeout + first);
  const deadline = Date.now() + wait * 1000;
  while (wait && verdict.result === "ASK" && verdict.approval_id) {
    const left = (deadline - Date.now()) / 1000;
    if (left <= 0) break;
    const step = Math.min(left, 30);
    const record = await send("GET", `/v1/approvals/${encodeURIComponent(verdict.approval_id)}?wait=${step}`, undefined, timeout + step);
    if (record.status === "approved") return send("POST", path, event, timeout);
    if (REFUSED[record.status]) return { ...verdict, result: "DENY", reason: `${REFUSED[record.status]} (${verdict.reason})` };
  }
  if (!["ALLOW", "DENY", "ASK"].includes(verdict.result)) {
    throw new Error("Goalrail could not check this action (no verdict); denied because Goalrail fails closed");
  }
  return verdict;
}

// OpenCode names an MCP tool `<server>_<tool>` (each part with characters outside [A-Za-z0-9_-] made `_`);
// Goalrail's tool_mapping and policies name it `mcp__<server>__<tool>` (goalrail.mcp_names).
// The configured MCP servers come from OpenCode itself (its SDK client), asked again at most every 30 s.
const opencodeName = (name) => String(name).replace(/[^a-zA-Z0-9_-]/g, "_");
const slug = (name) => String(name).trim().replace(/[^A-Za-z0-9_-]/g, "_").replace(/_+/g, "_").replace(/^_+|_+$/g, "") || "upstream";
let servers = { names: [], at: 0 };

async function mcpServers(client) {
  if (Date.now() - servers.at < 30000) return servers.names;
  const names = new Set();
  const asks = [
    [() => client.mcp.status(), (data) => data], // { <server>: { status } }
    [() => client.config.get(), (data) => data.mcp], // the config's `mcp` section
  ];
  for (const [ask, pick] of asks) {
    try {
      const answer = await ask();
      const data = answer && typeof answer === "object" && "data" in answer ? answer.data : answer;
      const found = data && typeof data === "object" ? pick(data) : null;
      for (const name of Object.keys(found && typeof found === "object" ? found : {})) names.add(name);
      if (names.size) break;
    } catch {
      // not this way: try the next
    }
  }
  servers = { names: [...names].sort((a, b) => b.length - a.length), at: Date.now() }; // longest name first
  return servers.names;
}

// OpenCode's own tools keep their names (the server maps them onto sys_os_* and the like).
const BUILTIN = new Set(
  "bash read write edit multiedit patch apply_patch grep glob list webfetch websearch codesearch todowrite todoread task skill lsp batch question".split(" "),
);

async function canonicalTool(tool, client) {
  if (!client || BUILTIN.has(tool) || String(tool).startsWith("mcp__")) return tool;
  for (const server of await mcpServers(client)) {
    const prefix = `${opencodeName(server)}_`;
    if (tool.startsWith(prefix) && tool.length > prefix.length) return `mcp__${slug(server)}__${tool.slice(prefix.length)}`;
  }
  return tool;
}

export const GoalrailPlugin = async ({ directory, worktree, client } = {}) => ({
  "tool.execute.before": async (input, output) => {
    const args = output && output.args && typeof output.args === "object" ? output.args : {};
    const tool = await canonicalTool(input.tool, client);
    const event = {
      type: "tool_call",
      target: tool,
      data: { name: tool, arguments: args, tool_use_id: input.callID },
      context: { harness: "opencode", cwd: directory || worktree || process.cwd() },
    };
    const verdict = await evaluate(input.sessionID, event);
    if (verdict.result !== "ALLOW") throw new Error(refused(verdict));
    const rewrite = verdict.data && verdict.data.arguments;
    if (rewrite && typeof rewrite === "object" && output) output.args = rewrite;
  },
});
