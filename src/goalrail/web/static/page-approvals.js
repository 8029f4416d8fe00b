// Approvals inbox: pending ASKs across the user's sessions, refreshed every 1.5 s.

import { get } from "./api.js";
import { ago, empty, h, listOf, mount, notice, short } from "./dom.js";
import { approvalCard, argumentsPreview, sessionFacts } from "./approvals.js";
import { outcomeText } from "./scopes.js";
import { sessionHref } from "./sessions.js";

const OUTCOME = { approved: "ok", applied: "ok", denied: "bad", expired: "muted", answered_in_client: "muted" };

// The last decisions taken, newest first: what, where, the outcome and who decided.
function history(records) {
  const done = records.filter((a) => a.status !== "pending")
    .sort((a, b) => (b.resolved_at || 0) - (a.resolved_at || 0)).slice(0, 10);
  if (!done.length) return null;
  return h("div.card.flush#history",
    h("div.card-head", { style: "padding:16px 20px 0" }, h("h2", "Recently decided")),
    h("table.responsive",
      h("thead", h("tr", ["When", "Request", "Session", "Outcome"].map((t) => h("th", t)))),
      h("tbody", done.map((a) => h("tr", { dataset: { approval: a.id } },
        h("td", { "data-label": "When" }, ago(a.resolved_at || a.created_at)),
        h("td", { "data-label": "Request" }, h("span", h("b", a.target || a.type), " ", h("span.mono.small", short(argumentsPreview(a), 80)))),
        h("td", { "data-label": "Session" }, h("a.mono.small", { href: sessionHref(a.session_id) }, a.session_id)),
        h("td", { "data-label": "Outcome" }, h("span",
          h("span.badge", { class: OUTCOME[a.status] || "muted" }, outcomeText(a.status, a.scope)),
          a.resolved_by && a.resolved_by !== "timeout" ? h("span.small.muted", ` by ${a.resolved_by}`) : null)))))));
}

export async function render(app) {
  const list = h("div#approvals");
  const status = h("div");
  const past = h("div");
  mount(app,
    h("div.page-head",
      h("div", h("h1", "Approvals"), h("p", "Agents are paused here until you decide. Approving releases the waiting request at once.")),
      h("span.live", "Live")),
    status, list, past);

  const shown = new Map();
  async function refresh() {
    const pending = listOf(await get("/v1/approvals?status=pending"), "approvals");
    status.replaceChildren();
    const ids = new Set(pending.map((a) => a.id));
    for (const [id, card] of shown) {
      if (!ids.has(id) && !card.querySelector(".notice.ok")) {
        card.remove();
        shown.delete(id);
      }
    }
    for (const a of pending) {
      if (shown.has(a.id)) continue;
      const facts = await sessionFacts(a.session_id);
      const card = approvalCard(a, facts, {
        onResolved: () => setTimeout(() => { card.remove(); shown.delete(a.id); emptyState(); }, 4000),
      });
      shown.set(a.id, card);
      list.append(card);
    }
    emptyState();
  }
  function emptyState() {
    const placeholder = list.querySelector(".empty-card");
    if (shown.size === 0 && !placeholder) {
      list.append(h("div.card.empty-card", empty("Nothing waiting for you",
        "When a policy answers ASK — for example “ask before any shell command” — the agent pauses and the request shows up here.",
        "This page updates by itself.")));
    } else if (shown.size > 0 && placeholder) placeholder.remove();
  }

  async function refreshHistory() {
    mount(past, history(listOf(await get("/v1/approvals?limit=200"), "approvals")));
  }

  await refresh();
  await refreshHistory().catch(() => null);
  let failing = false;
  let tick = 0;
  setInterval(async () => {
    try {
      await refresh();
      if (++tick % 3 === 0) await refreshHistory();
      failing = false;
    } catch (err) {
      if (!failing) status.replaceChildren(notice("error", err.message));
      failing = true;
    }
  }, 1500);
}
