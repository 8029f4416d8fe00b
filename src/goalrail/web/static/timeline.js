// The decision timeline: each event, its verdict, the deciding policy, the reason, and
// an expandable per-policy explanation.

import { badge, clock, empty, h, reasonText, stamp } from "./dom.js";
import { outcomeText } from "./scopes.js";

function explanation(decisions) {
  if (!decisions || !decisions.length) return null;
  return h("details.explain",
    h("summary", `Explain (${decisions.length} ${decisions.length === 1 ? "policy" : "policies"})`),
    h("div.scroll", h("table",
      h("thead", h("tr", h("th", "Policy"), h("th", "Level"), h("th", "Verdict"), h("th", "Reason"), h("th.num", "Time"))),
      h("tbody", decisions.map((d) => h("tr",
        h("td", h("b", d.policy), d.mode === "shadow" ? h("span.badge.warn", { style: "margin-left:4px" }, "shadow") : null),
        h("td", d.level || ""),
        h("td", badge(d.verdict)),
        h("td", d.error ? h("span", { style: "color:var(--deny)" }, d.error) : d.reason ? reasonText(d.reason) : h("span.muted", "no objection"),
          d.warning ? h("div.small", { style: "color:var(--ask)" }, `warning: ${d.warning}`) : null),
        h("td.num.small.muted", d.duration_us !== undefined ? `${Math.round(d.duration_us)} µs` : "")))))));
}

function trustBadge(trust) {
  return h("span.badge", { class: trust === "untrusted" ? "bad" : trust === "sensitive" ? "warn" : "ok" }, trust);
}

// Where the destinations and links of a call came from, or what a result added to the record.
function flow(p) {
  if (!p) return null;
  if (p.recorded) {
    return h("div.small.flow", "remembered ", h("b", `${p.recorded.values} value${p.recorded.values === 1 ? "" : "s"}`),
      " from ", h("span.mono", p.recorded.source), " ", trustBadge(p.recorded.trust));
  }
  const rows = p.arguments || [];
  if (!rows.length) return null;
  return h("div.scroll.flow", h("table",
    h("thead", h("tr", h("th", "Argument"), h("th", "Value"), h("th", "Grounded in"), h("th", "First seen in"))),
    h("tbody", rows.map((r) => h("tr",
      h("td.mono", r.argument),
      h("td.mono", r.value),
      h("td", r.grounded && r.grounded.length ? r.grounded.join(", ") : h("span", { style: "color:var(--deny)" }, "nothing trusted")),
      h("td", r.origin ? [h("span.mono", r.origin.source), " ", trustBadge(r.origin.trust)] : h("span.muted", "never seen")))))));
}

function labelChips(labels) {
  const entries = Object.entries(labels || {});
  if (!entries.length) return null;
  return h("div.small", entries.map(([k, v]) => h("span.chip", `${k}=${v}`)));
}

function resolution(r) {
  const approved = r.status === "approved" || r.status === "applied";
  const how = outcomeText(r.status, r.scope);
  const used = r.used && r.status === "approved" ? " (used)" : "";
  return h("span.badge", { class: approved ? "ok" : "bad", title: r.by ? `by ${r.by}` : null }, `${how}${r.by ? ` by ${r.by}` : ""}${used}`);
}

// What was acted on, as the harness named it, and the command, path or URL (from the audit's `action`).
function actionOf(e) {
  const a = e.action || {};
  const tool = a.original || e.target || "";
  const canonical = a.original && e.target && a.original !== e.target ? e.target : null;
  const detail = typeof a.target === "string" && a.target && a.target !== tool ? a.target : null;
  return { tool, canonical, detail };
}

// `resolutions`: approval id → {status, by, scope}, from the audit log's approval entries.
export function timelineItem(e, resolutions = {}) {
  const { tool, canonical, detail } = actionOf(e);
  const resolved = e.approval_id ? resolutions[e.approval_id] : null;
  return h("li", { dataset: { seq: e.seq ?? "", result: e.result } },
    h("div.when", { title: stamp(e.at) }, clock(e.at)),
    h("div",
      h("div.what", badge(e.result), h("b", e.type), tool ? h("span.mono", tool) : null,
        canonical ? h("span.mono.small.muted", { title: "Goalrail's canonical tool name" }, canonical) : null,
        e.policy ? h("span.small.muted", `by ${e.policy}`) : null,
        resolved ? resolution(resolved) : e.approval_id ? h("span.badge.warn", { title: e.approval_id }, "waiting for approval") : null),
      detail ? h("pre.action", { title: "The command, path or address acted on" }, detail) : null,
      e.reason ? h("div.reason", reasonText(e.reason)) : null,
      labelChips(e.labels),
      flow(e.provenance),
      explanation(e.decisions)));
}

export function timeline(entries, resolutions = {}) {
  if (!entries.length) {
    return empty("No decisions yet",
      "Each event the agent sends (a tool call, an LLM request, a message) is decided and listed here, newest first.");
  }
  return h("ol.timeline", entries.map((e) => timelineItem(e, resolutions)));
}
