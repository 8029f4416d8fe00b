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
    `${describe(v)} — needs approval ${v.approval_id}: approve it at ${serverUrl()}/approvals ` +
    `or with \`goalrail approvals approve ${v.approval_id}\`, then retry the same action`
  );
}

async function evaluate(sessionID, event) {
  const wait = Number(SETTINGS.askWait) || 0;
  const url = `${serverUrl()}/v1/sessions/${encodeURIComponent(sessionID)}/events${wait ? `?wait=${wait}` : ""}`;
  const failClosed = (why) =>
    new Error(`Goalrail could not check this action (${why}); denied because Goalrail fails closed`);
  let resp;
  try {
    const secret = token();
    resp = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout((Number(SETTINGS.timeout) + wait) * 1000),
    });
  } catch (err) {
    throw failClosed(`server unreachable: ${err && err.message ? err.message : err}`);
  }
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  if (!resp.ok) throw failClosed(`server answered ${resp.status}${body && body.message ? `: ${body.message}` : ""}`);
  if (!body || !["ALLOW", "DENY", "ASK"].includes(body.result)) throw failClosed("server answered without a verdict");
  return body;
}

export const GoalrailPlugin = async ({ directory, worktree } = {}) => ({
  "tool.execute.before": async (input, output) => {
    const args = output && output.args && typeof output.args === "object" ? output.args : {};
    const event = {
      type: "tool_call",
      target: input.tool,
      data: { name: input.tool, arguments: args, tool_use_id: input.callID },
      context: { harness: "opencode", cwd: directory || worktree || process.cwd() },
    };
    const verdict = await evaluate(input.sessionID, event);
    if (verdict.result !== "ALLOW") throw new Error(refused(verdict));
    const rewrite = verdict.data && verdict.data.arguments;
    if (rewrite && typeof rewrite === "object" && output) output.args = rewrite;
  },
});
