// Approvals inbox: pending ASKs across the user's sessions, refreshed every 1.5 s.

import { get } from "./api.js";
import { empty, h, listOf, mount, notice } from "./dom.js";
import { approvalCard, sessionFacts } from "./approvals.js";

export async function render(app) {
  const list = h("div#approvals");
  const status = h("div");
  mount(app,
    h("div.page-head",
      h("div", h("h1", "Approvals"), h("p", "Agents are paused here until you decide. Approving releases the waiting request at once.")),
      h("span.live", "Live")),
    status, list);

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

  await refresh();
  let failing = false;
  setInterval(async () => {
    try {
      await refresh();
      failing = false;
    } catch (err) {
      if (!failing) status.replaceChildren(notice("error", err.message));
      failing = true;
    }
  }, 1500);
}
