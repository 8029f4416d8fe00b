// The decision timeline: each event, its verdict, the deciding policy, the reason, and
// an expandable per-policy explanation.

import { badge, clock, empty, h, reasonText, stamp } from "./dom.js";

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

export function timelineItem(e) {
  const what = e.target || "";
  return h("li", { dataset: { seq: e.seq ?? "", result: e.result } },
    h("div.when", { title: stamp(e.at) }, clock(e.at)),
    h("div",
      h("div.what", badge(e.result), h("b", e.type), what ? h("span.mono", what) : null,
        e.policy ? h("span.small.muted", `by ${e.policy}`) : null,
        e.approval_id ? h("span.badge.muted", { title: e.approval_id }, "approval") : null),
      e.reason ? h("div.reason", reasonText(e.reason)) : null,
      explanation(e.decisions)));
}

export function timeline(entries) {
  if (!entries.length) {
    return empty("No decisions yet",
      "Each event the agent sends (a tool call, an LLM request, a message) is decided and listed here, newest first.");
  }
  return h("ol.timeline", entries.map(timelineItem));
}
