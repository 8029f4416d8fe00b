// Admin: the audit log with filters, and the hash chain's verification status.

import { get, qs } from "./api.js";
import { empty, h, listOf, mount, notice, stamp } from "./dom.js";
import { outcomeText } from "./scopes.js";
import { sessionHref } from "./sessions.js";
import { timelineItem } from "./timeline.js";

function chainStatus(v) {
  if (v.ok) {
    return h("div.notice.ok#chain-status", h("b", "Chain verified. "),
      `All ${v.count} entries are intact: none was edited, inserted or deleted.`);
  }
  return h("div.notice.error#chain-status", { role: "alert" }, h("b", "Chain broken. "),
    `Entry ${v.broken_at}: ${v.problem}. The audit log was changed outside Goalrail.`);
}

function entryRow(e) {
  const p = e.payload || {};
  if (e.kind === "approval") {
    return h("li", { dataset: { seq: e.seq } },
      h("div.when", { title: stamp(e.at) }, `#${e.seq}`),
      h("div",
        h("div.what", h("span.badge", { class: p.status === "approved" || p.status === "applied" ? "ok" : "bad" }, p.status), h("b", "approval"),
          h("span", `${outcomeText(p.status, p.scope)} by ${p.by || "—"}`),
          h("a.mono.small", { href: sessionHref(e.session_id) }, e.session_id)),
        h("div.small.muted", stamp(e.at), p.policies && p.policies.length ? ` · asked by ${p.policies.join(", ")}` : "")));
  }
  const item = timelineItem({ ...p, seq: e.seq, at: e.at, approval_id: null });
  item.firstChild.textContent = `#${e.seq}`;
  item.lastChild.firstChild.append(h("a.mono.small", { href: sessionHref(e.session_id) }, e.session_id));
  item.lastChild.insertBefore(h("div.small.muted", stamp(e.at), p.actor && p.actor.run_as ? ` · by ${p.actor.run_as}` : ""), item.lastChild.children[1] || null);
  return item;
}

function field(label, input) {
  return h("div.field", h("label", { for: input.id }, label), input);
}

export async function render(app) {
  const status = h("div");
  const results = h("div");
  const session = h("input", { type: "text", id: "f-session", placeholder: "any session" });
  const verdict = h("select", { id: "f-verdict" }, ["", "ALLOW", "DENY", "ASK"].map((v) => h("option", { value: v }, v || "any verdict")));
  const policy = h("input", { type: "text", id: "f-policy", placeholder: "any policy" });
  const kind = h("select", { id: "f-kind" }, [["", "decisions and approvals"], ["decision", "decisions"], ["approval", "approvals"]].map(([v, t]) => h("option", { value: v }, t)));
  const since = h("input", { type: "datetime-local", id: "f-since" });
  const form = h("form.filters", { id: "audit-filters", onsubmit: (e) => { e.preventDefault(); load(); } },
    field("Session", session), field("Verdict", verdict), field("Policy", policy), field("Kind", kind), field("Since", since),
    h("div", h("button.primary", { type: "submit" }, "Filter")));
  const url = new URLSearchParams(location.search);
  session.value = url.get("session") || "";
  mount(app,
    h("div.page-head",
      h("div", h("h1", "Audit log"), h("p", "Every decision with its explanation, hash-chained so any edited or deleted entry is detected.")),
      h("button", { type: "button", onclick: () => verify() }, "Verify again")),
    status,
    h("div.card", form),
    h("div.card", results));

  async function verify() {
    try {
      mount(status, chainStatus(await get("/v1/audit/verify")));
    } catch (err) {
      mount(status, notice("error", `Could not verify the chain: ${err.message}`));
    }
  }

  async function load() {
    const t = since.value ? new Date(since.value).getTime() / 1000 : "";
    const params = { session: session.value.trim(), verdict: verdict.value, policy: policy.value.trim(), kind: kind.value, since: t, limit: 500 };
    try {
      const entries = listOf(await get("/v1/audit" + qs(params)), "entries").slice().reverse();
      const filtered = Object.entries(params).some(([k, v]) => k !== "limit" && v !== "");
      mount(results,
        h("div.card-head", h("h2", `${entries.length} ${entries.length === 1 ? "entry" : "entries"}`), h("span.small.muted", "newest first")),
        entries.length ? h("ol.timeline#audit-entries", entries.map(entryRow))
          : filtered ? empty("Nothing matches these filters", "Clear a filter or widen the time range.")
            : empty("The audit log is empty", "Every decision the server makes is recorded here, starting with the first event an agent sends."));
    } catch (err) {
      mount(results, notice("error", err.message));
    }
  }

  await Promise.all([verify(), load()]);
}
