// One session: state, spend and usage chart, pending approvals, decision timeline,
// session state, and the settings panel.  Refreshes itself every 2.5 s.

import { ApiError, enc, get } from "./api.js";
import { approvalCard } from "./approvals.js";
import { usageChart } from "./chart.js";
import { ago, empty, h, listOf, money, mount, notice, tokens } from "./dom.js";
import { costOf, stateOf } from "./sessions.js";
import { settingsPanel } from "./settings.js";
import { timeline } from "./timeline.js";

function stat(label, value, extra) {
  return h("div.stat", h("div.label", label), h("div.value", value), extra ? h("div.small.muted", extra) : null);
}

function stats(s) {
  const u = s.usage || {};
  const unpriced = u.unpriced_tokens ? `${tokens(u.unpriced_tokens)} tokens unpriced` : null;
  return [
    stat("Spend", money(costOf(s)), unpriced),
    stat("Tokens", tokens(u.total_tokens ?? (u.input_tokens || 0) + (u.output_tokens || 0)),
      `${tokens(u.input_tokens)} in · ${tokens(u.output_tokens)} out`),
    stat("LLM calls", String(u.llm_calls || 0)),
    stat("Pending approvals", String(s.pending_approvals || 0)),
    stat("Last activity", ago(s.last_activity || s.created_at)),
  ];
}

// Each policy's private state (budgets reserved, thresholds asked, counters), collapsed.
function policyState(ps) {
  const entries = Object.entries(ps || {}).filter(([, v]) => v && Object.keys(v).length);
  if (!entries.length) return null;
  return h("details.explain", { id: "policy-state" },
    h("summary", `Policy state (${entries.length})`),
    h("dl.kv", { style: "margin-top:8px" }, entries.map(([k, v]) => [h("dt.mono", k), h("dd.mono", JSON.stringify(v))])));
}

// What the session remembers and where it came from (the provenance record).
function remembered(values) {
  const rows = (values || []).filter((v) => v.kind !== "text");
  if (!rows.length) return null;
  return h("details.explain", { id: "provenance" },
    h("summary", `Remembered values (${rows.length})`),
    h("div.scroll", h("table",
      h("thead", h("tr", h("th", "Kind"), h("th", "Value"), h("th", "Came from"))),
      h("tbody", rows.map((v) => h("tr",
        h("td.small", v.kind),
        h("td.mono", v.value),
        h("td.small", v.sources.map((src, i) => [i ? ", " : "", h("span.mono", src.name), ` (${src.trust})`]))))))));
}

function stateCard(s) {
  const state = s.state || {};
  const keys = Object.keys(state);
  const labels = Object.entries(s.labels || {});
  return h("div.card#state",
    h("h2", "Session state"),
    keys.length
      ? h("dl.kv", keys.map((k) => [h("dt.mono", k), h("dd.mono", JSON.stringify(state[k]))]))
      : h("p.muted.small", "No shared state yet. Policies store counters and flags here as the session runs."),
    policyState(s.policy_state),
    remembered(s.provenance),
    h("h3", "Labels"),
    labels.length ? h("div", labels.map(([k, v]) => h("span.chip", `${k}=${v}`))) : h("p.muted.small", "No data-classification labels."));
}

export async function render(app, { me, data }) {
  const id = data.sessionId;
  const canEdit = me.role === "admin" || me.role === "user";
  const head = h("div");
  const banner = h("div");
  const statsEl = h("div.stats");
  const approvalsEl = h("div#session-approvals");
  const timelineEl = h("div");
  const chartEl = h("div.chart");
  const settingsEl = h("div");
  const stateEl = h("div");
  mount(app, head, banner, approvalsEl, statsEl,
    h("div.grid",
      h("div",
        h("div.card#timeline", h("div.card-head", h("h2", "Decision timeline"), h("span.live", "Live")), timelineEl),
        h("div.card#usage", h("h2", "Usage and cost"), chartEl)),
      h("div", settingsEl, stateEl)));

  let lastPolicies = null;
  let lastTimeline = null;
  let lastState = null;
  const settingsMsg = h("div");
  const shownApprovals = new Map();

  async function loadUsage() {
    try {
      const records = listOf(await get(`/v1/sessions/${enc(id)}/usage`), "records");
      if (!records.length) {
        mount(chartEl, empty("No LLM usage yet", "Usage and cost appear here when the LLM proxy or an integration reports it."));
        return;
      }
      mount(chartEl, usageChart(records, chartEl.clientWidth),
        h("p.small.muted", "Line: total cost over time. Bars: tokens per LLM call (amber when the model has no price)."));
    } catch (err) {
      mount(chartEl, notice("error", `Usage could not be loaded: ${err.message}`));
    }
  }

  async function refresh() {
    const [s, approvalLog] = await Promise.all([
      get(`/v1/sessions/${enc(id)}?decisions=100`),
      get(`/v1/audit?session=${enc(id)}&kind=approval&limit=500`).then((b) => listOf(b, "entries")).catch(() => []),
    ]);
    const resolutions = {};
    for (const e of approvalLog) {
      const p = e.payload;
      if (!p || !p.approval_id) continue;
      // "applied" records a use of the approval, not who answered it: keep the answer.
      if (p.status === "applied" && resolutions[p.approval_id]) resolutions[p.approval_id] = { ...resolutions[p.approval_id], used: true };
      else resolutions[p.approval_id] = p;
    }
    const st = stateOf(s);
    mount(head, h("div.page-head",
      h("div",
        h("div.crumbs", h("a", { href: "/sessions" }, "Sessions"), " / "),
        h("h1.mono", s.id),
        h("p", h("span.badge", { class: st.cls, title: st.title }, st.label), " ",
          `Owner ${s.owner || "—"} · Agent ${s.agent || "none"} · Model ${s.model || "—"}`))));
    mount(banner, s.ended ? notice("error", `This session has ended: ${s.ended}. Every new event is denied.`) : null);
    mount(statsEl, stats(s));
    // Re-render only what changed, keeping expanded explanations open.
    const timelineSig = JSON.stringify([s.recent_decisions, resolutions]);
    if (timelineSig !== lastTimeline) {
      lastTimeline = timelineSig;
      const open = new Set([...timelineEl.querySelectorAll("li[data-seq]")]
        .filter((li) => li.querySelector("details[open]")).map((li) => li.dataset.seq));
      mount(timelineEl, timeline(s.recent_decisions || [], resolutions));
      for (const li of timelineEl.querySelectorAll("li[data-seq]")) {
        if (open.has(li.dataset.seq)) li.querySelector("details").open = true;
      }
    }
    const stateSig = JSON.stringify([s.state, s.policy_state, s.labels, s.provenance]);
    if (stateSig !== lastState) {
      lastState = stateSig;
      const wasOpen = Boolean(stateEl.querySelector("#policy-state[open]"));
      mount(stateEl, stateCard(s));
      const details = stateEl.querySelector("#policy-state");
      if (details && wasOpen) details.open = true;
    }

    const pending = s.approvals || [];
    const ids = new Set(pending.map((a) => a.id));
    for (const [aid, card] of shownApprovals) {
      if (!ids.has(aid) && !card.querySelector(".notice.ok")) {
        card.remove();
        shownApprovals.delete(aid);
      }
    }
    for (const a of pending) {
      if (shownApprovals.has(a.id)) continue;
      const card = approvalCard(a, s, { showSession: false, onResolved: () => setTimeout(() => { card.remove(); shownApprovals.delete(a.id); refresh(); }, 2500) });
      shownApprovals.set(a.id, card);
      approvalsEl.append(card);
    }

    const policies = s.policies || [];
    const sig = JSON.stringify(policies);
    if (sig !== lastPolicies && !document.querySelector("dialog[open]")) {
      lastPolicies = sig;
      mount(settingsEl, settingsPanel(id, policies, { reload: refreshAll, canEdit, message: settingsMsg }));
    }
  }

  async function refreshAll() {
    lastPolicies = null;
    await refresh();
    await loadUsage();
  }

  try {
    await refresh();
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      mount(app, h("div.card", empty("Session not found",
        "It may belong to someone else, or it has not sent any event yet.",
        "Go back to the sessions list.")), h("a.button", { href: "/sessions" }, "← All sessions"));
      return;
    }
    throw err;
  }
  await loadUsage();
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(loadUsage, 200);
  });
  let tick = 0;
  setInterval(async () => {
    try {
      await refresh();
      if (++tick % 4 === 0) await loadUsage();
    } catch (err) {
      mount(banner, notice("error", err.message));
    }
  }, 2500);
}
