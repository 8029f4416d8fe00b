// Sessions list: owner, agent, spend, last activity, pending approvals.

import { get } from "./api.js";
import { ago, empty, h, listOf, money, mount, notice } from "./dom.js";
import { costOf, pendingBySession, sessionHref, stateOf, tokensOf } from "./sessions.js";

function row(s, pending) {
  const st = stateOf(s);
  const n = pending[s.id] || s.pending_approvals || 0;
  return h("tr.link", { dataset: { session: s.id }, onclick: () => (location.href = sessionHref(s.id)) },
    h("td", { "data-label": "Session" }, h("span", h("a.mono", { href: sessionHref(s.id) }, s.id),
      " ", h("span.badge", { class: st.cls, title: st.title }, st.label))),
    h("td", { "data-label": "Owner" }, s.owner || h("span.muted", "—")),
    h("td", { "data-label": "Agent" }, s.agent || h("span.muted", "—")),
    h("td.num", { "data-label": "Spend" }, h("span", money(costOf(s)), h("div.small.muted", `${tokensOf(s)} tokens`))),
    h("td", { "data-label": "Last activity" }, ago(s.last_activity || s.created_at)),
    h("td.num", { "data-label": "Pending" }, n ? h("a.badge.ASK", { href: "/approvals" }, `${n} waiting`) : h("span.muted", "0")));
}

export async function render(app) {
  const table = h("div.card.flush");
  mount(app,
    h("div.page-head",
      h("div", h("h1", "Sessions"), h("p", "Every agent session the server has seen, most recent first.")),
      h("span.live", "Live")),
    table);

  async function refresh() {
    const [sessions, approvals] = await Promise.all([
      get("/v1/sessions").then((b) => listOf(b, "sessions")),
      get("/v1/approvals?status=pending").then((b) => listOf(b, "approvals")).catch(() => []),
    ]);
    sessions.sort((a, b) => (b.last_activity || b.created_at || 0) - (a.last_activity || a.created_at || 0));
    if (!sessions.length) {
      mount(table, empty("No sessions yet",
        "A session appears here when an agent sends its first event.",
        "Connect Claude Code with the Goalrail hooks, put the LLM proxy in front of your agent, or post an event to /v1/sessions/{id}/events."));
      return;
    }
    const pending = pendingBySession(approvals);
    mount(table, h("table.responsive",
      h("thead", h("tr", ["Session", "Owner", "Agent", "Spend", "Last activity", "Pending"].map((t, i) => h("th", { class: i === 3 || i === 5 ? "num" : null }, t)))),
      h("tbody", sessions.map((s) => row(s, pending)))));
  }

  await refresh();
  setInterval(() => refresh().catch((err) => mount(table, notice("error", err.message))), 3000);
}
