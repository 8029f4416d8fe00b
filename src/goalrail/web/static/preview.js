// "Preview on history": replay recorded decisions with a candidate policy added
// (POST /v1/replay) and show which ones would change, before the policy is saved.

import { post } from "./api.js";
import { badge, h, reasonText, short } from "./dom.js";

const SHOWN = 8;

function side(d) {
  return h("span", badge(d.result), " ", d.policy ? h("span.mono.small", d.policy) : null,
    d.reason ? h("span.small.muted", " — ", reasonText(short(d.reason, 140))) : null);
}

// The answer of POST /v1/replay as a small report: counts, then the first changes.
export function previewReport(out, scope) {
  if (!out.events) {
    return h("div.preview.notice.info", { role: "status" }, `Nothing to replay: ${scope} has no recorded decisions yet.`);
  }
  if (!out.changed) {
    return h("div.preview.notice.ok", { role: "status" },
      `No decision would change: ${out.events} recorded ${out.events === 1 ? "decision" : "decisions"} in ${scope} replayed.`);
  }
  const counts = Object.entries(out.transitions || {}).map(([k, v]) => `${v} ${k.replace("→", " → ")}`).join(", ");
  const rows = (out.changes || []).slice(0, SHOWN).map((c) =>
    h("li.change", { dataset: { transition: c.transition } },
      h("div.small", h("span.mono", `${c.type} ${c.target || ""}`)),
      h("div.small", "before: ", side(c.before)),
      h("div.small", "after: ", side(c.after))));
  const more = out.changed > SHOWN ? h("p.small.muted", `… and ${out.changed - SHOWN} more.`) : null;
  return h("div.preview.notice.warn", { role: "status" },
    h("strong", `${out.changed} of ${out.events} decisions would change`), ` in ${scope} (${counts}).`,
    h("ul.changes", rows), more);
}

// A replay request for the settings panel (this session) or the admin page (recent sessions).
export function sessionPreview(sessionId) {
  return {
    scope: "this session",
    run: (policy) => post("/v1/replay", { session_id: sessionId, add_policies: [policy] }),
  };
}

export function serverPreview(last = 20) {
  return {
    scope: `the last ${last} sessions`,
    run: (policy) => post("/v1/replay", { all_users: true, last, add_policies: [{ ...policy, level: "server" }] }),
  };
}
