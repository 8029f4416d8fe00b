// The session settings panel: policies in force at all three levels (session ones
// editable, agent and server ones read-only), the registry, add / edit / toggle / remove.

import { del, enc, patch, post } from "./api.js";
import { empty, h, notice } from "./dom.js";
import { loadRegistry, policyDialog, policyList, registryBrowser } from "./policies.js";
import { sessionPreview } from "./preview.js";

const LEVELS = [
  ["session", "This session", "Yours to change. Evaluated first."],
  ["agent", "Agent", "From the agent's spec. Read-only here."],
  ["server", "Server-wide", "Set by your admin for everyone. Read-only here."],
];

export function settingsPanel(sessionId, policies, { reload, canEdit, message = h("div") }) {
  const base = `/v1/sessions/${enc(sessionId)}/policies`;
  const show = (err) => message.replaceChildren(notice("error", err.message));
  const done = async (text) => {
    await reload();
    message.replaceChildren(text ? notice("ok", text) : "");
  };
  const opts = {
    editable: (p) => canEdit && p.level === "session" && !p.read_only,
    onToggle: async (p, on) => {
      await patch(`${base}/${enc(p.id)}`, { enabled: on });
      await done(`${p.name} ${on ? "enabled" : "disabled"}.`);
    },
    onEdit: (p) => policyDialog({
      title: `Edit ${p.name}`, existing: p,
      submit: async ({ name, factory_params }) => {
        await patch(`${base}/${enc(p.id)}`, { name, factory_params });
        await done(`${name} updated.`);
      },
    }),
    onRemove: async (p) => {
      await del(`${base}/${enc(p.id)}`);
      await done(`${p.name} removed.`);
    },
    onError: show,
  };
  const add = (entry) => policyDialog({
    title: "Add a session policy", fixedEntry: entry || null, preview: sessionPreview(sessionId),
    submit: async ({ name, handler, factory_params }) => {
      await post(base, { name, handler, factory_params });
      await done(`${name} added to this session.`);
    },
  });

  const sections = LEVELS.map(([level, title, help]) => {
    const mine = policies.filter((p) => p.level === level);
    const emptyNode = level === "session"
      ? h("p.muted.small", "No session policies yet. Add one to set a budget, ask before shell commands, and more.")
      : h("p.muted.small", level === "agent" ? "This session's agent declares no policies." : "No server-wide policies.");
    return h("section", { dataset: { level } },
      h("h3", title, h("span.small", { style: "text-transform:none;letter-spacing:0;font-weight:400" }, ` — ${help}`)),
      policyList(mine, { ...opts, showLevel: level !== "session" }, emptyNode));
  });

  const browse = h("details", { style: "margin-top:14px" },
    h("summary", { style: "cursor:pointer;color:var(--accent)" }, "Browse the policy registry"),
    h("div", { style: "margin-top:10px" }, h("p.muted.small", "Loading…")));
  browse.addEventListener("toggle", async () => {
    if (!browse.open || browse.dataset.loaded) return;
    browse.dataset.loaded = "1";
    try {
      const entries = await loadRegistry();
      browse.lastChild.replaceChildren(entries.length
        ? registryBrowser(entries, (e) => (canEdit ? add(e) : null))
        : empty("The registry is empty", "No policy modules are loaded on this server."));
    } catch (err) {
      browse.lastChild.replaceChildren(notice("error", err.message));
    }
  }, { once: false });

  return h("div.card#settings",
    h("div.card-head", h("h2", "Settings"),
      canEdit ? h("button.primary.small", { type: "button", id: "add-policy", onclick: () => add() }, "+ Add policy") : null),
    message, sections, browse);
}
