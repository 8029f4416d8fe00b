// One pending approval as a card: approve once / this exact action for the session /
// any call of the tool for the session (named plainly) / deny.

import { enc, get, post } from "./api.js";
import { ago, badge, foldedText, h, money, reasonText, toDate } from "./dom.js";
import { SCOPE_TEXT } from "./scopes.js";
import { costOf, sessionHref } from "./sessions.js";

const sessionCache = new Map();

// The session's model and spend, fetched at most every 2 s per session.
export async function sessionFacts(id) {
  const hit = sessionCache.get(id);
  if (hit && Date.now() - hit.at < 2000) return hit.value;
  const value = await get(`/v1/sessions/${enc(id)}`).catch(() => null);
  sessionCache.set(id, { at: Date.now(), value });
  return value;
}

// Arguments that do not change what runs, shown apart: the model's own label for a shell command.
const LABELS = new Set(["description"]);

// What the agent wants to do, readably: a shell command as `$ cmd`, followed by every other
// argument it passes (as JSON: a flag beside the command is never hidden behind it); any other
// arguments as JSON; where it runs, when the harness said.
export function argumentsPreview(a) {
  let event = null;
  try {
    event = typeof a.preview === "string" ? JSON.parse(a.preview) : a.preview;
  } catch (err) {
    return a.preview || "";
  }
  const data = (event && event.data) || {};
  const args = data.arguments !== undefined ? data.arguments : data;
  const where = event && typeof event.cwd === "string" ? `in ${event.cwd}\n` : "";
  if (args && typeof args === "object" && !Array.isArray(args) && typeof args.command === "string") {
    const rest = Object.fromEntries(Object.entries(args).filter(([k]) => k !== "command" && !LABELS.has(k)));
    const more = Object.keys(rest).length ? `\nwith ${JSON.stringify(rest, null, 2)}` : "";
    return `${where}$ ${args.command}${more}`;
  }
  if (typeof args === "string") return where + args;
  return where + JSON.stringify(args, null, 2);
}

// The agent's own description of a shell command (not run), when it gave one.
function commandLabel(a) {
  try {
    const event = typeof a.preview === "string" ? JSON.parse(a.preview) : a.preview;
    const args = (event && event.data && event.data.arguments) || {};
    return typeof args.command === "string" && typeof args.description === "string" ? args.description : null;
  } catch (err) {
    return null;
  }
}

const TALL_LINES = 12;
const TALL_CHARS = 1200;

// Not plain ASCII, outside the markers' characters: letters that may only look like the
// ones an approver reads (`ɡit`, Cyrillic `а`), listed with their code points.
function lookalikes(text) {
  const seen = new Map();
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    if (cp > 0x7e && !seen.has(ch) && /[\p{L}\p{N}\p{P}\p{S}]/u.test(ch)) seen.set(ch, cp);
  }
  if (!seen.size) return null;
  const listed = [...seen].slice(0, 12).map(([ch, cp]) => `${ch} U+${cp.toString(16).toUpperCase().padStart(4, "0")}`);
  return h("div.notice.warn.small.lookalikes", { role: "note" },
    `Not plain ASCII: ${listed.join(", ")}${seen.size > 12 ? `, and ${seen.size - 12} more` : ""}. `,
    "Characters like these can look like others: read them by their code points.");
}

// The action whole: invisible characters shown as markers, long blank runs folded (each marker
// says how many it stands for), its size stated, and a long one scrolls inside its box with a
// button that shows it all at once: nothing the approver approves is out of reach.
function actionBlock(a) {
  const text = argumentsPreview(a);
  const lines = text.split("\n").length;
  const pre = h("pre.preview", { title: "What the agent wants to do" }, foldedText(text));
  const tall = lines > TALL_LINES || text.length > TALL_CHARS;
  const size = h("div.small.muted.action-size", `${lines} ${lines === 1 ? "line" : "lines"}, ${text.length} characters`,
    tall ? [" · scrolls: ", h("button.link.show-all", {
      type: "button",
      onclick: (e) => {
        const whole = pre.classList.toggle("whole");
        e.target.textContent = whole ? "show less" : "show all";
      },
    }, "show all")] : null);
  const label = commandLabel(a);
  return [
    pre,
    size,
    label ? h("div.small.muted.command-label", "The agent's description (not run): ", h("i", label)) : null,
    lookalikes(`${toolNames(a).shown} ${text}`),
  ];
}

// The tool as the user's agent called it (`Bash`), and Goalrail's canonical name (`sys_os_shell`).
export function toolNames(a) {
  let event = null;
  try {
    event = typeof a.preview === "string" ? JSON.parse(a.preview) : a.preview;
  } catch (err) {
    event = null;
  }
  const data = (event && event.data) || {};
  const canonical = a.target || data.name || a.type;
  const original = typeof data.original_name === "string" && data.original_name ? data.original_name : null;
  return original && original !== canonical ? { shown: original, canonical } : { shown: canonical, canonical: null };
}

function askingReasons(a) {
  const decisions = (a.decision && a.decision.decisions) || [];
  const asked = decisions.filter((d) => d.verdict === "ASK");
  if (asked.length) return asked.map((d) => ({ policy: d.policy, level: d.level, reason: d.reason }));
  return (a.policies || []).map((p) => ({ policy: p, level: null, reason: a.reason }));
}

function expiresIn(a) {
  const d = toDate(a.expires_at);
  if (!d) return null;
  const s = Math.round((d.getTime() - Date.now()) / 1000);
  if (s <= 0) return "expiring";
  if (s < 120) return `${s}s left`;
  if (s < 7200) return `${Math.round(s / 60)} min left`;
  return `${Math.round(s / 3600)} h left`;
}

export function approvalCard(a, facts, { onResolved, showSession = true }) {
  const names = toolNames(a);
  const what = names.shown;
  const model = a.model || (facts && (facts.model || (facts.session && facts.session.model))) || null;
  const cost = a.cost_usd ?? (facts ? costOf(facts.session || facts) : null);
  const status = h("div");
  const buttons = [
    ["approve", "once", "Approve once", "button.approve",
      "Let this call through once; the agent's retry of the identical call uses it"],
    ["approve", "session_identical", "Approve this exact action for the session", "button",
      `Also allow later ${what} calls with exactly these arguments, asked by these policies, for the rest of this session`],
    ["approve", "session_tool", `Approve any ${what} call for the session`, "button.wide",
      `Allow EVERY later ${what} call, whatever its arguments, that these policies ask about, for the rest of this session`],
    ["deny", "once", "Deny", "button.deny", null],
  ].map(([decision, scope, text, tag, title]) => h(tag, {
    type: "button", dataset: { decision, scope }, title,
    onclick: async () => {
      for (const b of card.querySelectorAll("button")) b.disabled = true;
      try {
        await post(`/v1/approvals/${enc(a.id)}`, { decision, scope });
        status.replaceChildren(h("div.notice.ok", decision === "approve"
          ? SCOPE_TEXT[scope]
          : "Denied. The agent was told no."));
        card.querySelector(".actions").remove();
        if (onResolved) onResolved(a, decision);
      } catch (err) {
        status.replaceChildren(h("div.notice.error", reasonText(err.message)));
        for (const b of card.querySelectorAll("button")) b.disabled = false;
      }
    },
  }, text));
  const card = h("div.card.approval", { dataset: { approval: a.id } },
    h("div.card-head",
      h("div", h("span.tool.mono", what), " ",
        names.canonical ? h("span.tool-canonical.mono.small.muted", { title: "Goalrail's canonical tool name" }, names.canonical) : null,
        " ", h("span.badge.muted", a.type)),
      h("span.small.muted", `asked ${ago(a.created_at)}`, expiresIn(a) ? ` · ${expiresIn(a)}` : "")),
    a.preview ? actionBlock(a) : null,
    h("div.meta",
      showSession ? h("span", "Session ", h("a.mono", { href: sessionHref(a.session_id) }, a.session_id)) : null,
      a.owner ? h("span", "Owner ", h("b", a.owner)) : null,
      h("span", "Model ", h("b", model || "unknown")),
      h("span", "Cost so far ", h("b", money(cost)))),
    h("h3", "Why you are asked"),
    h("ul.small", askingReasons(a).map((r) => h("li", badge("ASK"), " ", h("b", r.policy), r.level ? h("span.muted", ` (${r.level})`) : null, r.reason ? [" — ", reasonText(r.reason)] : ""))),
    status,
    h("div.actions", buttons));
  return card;
}
