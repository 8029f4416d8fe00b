// Admin: server-wide policies (REST-created ones editable, config-file ones read-only).

import { del, enc, get, patch, post } from "./api.js";
import { empty, h, listOf, mount, notice } from "./dom.js";
import { loadRegistry, policyDialog, policyList, registryBrowser } from "./policies.js";
import { serverPreview } from "./preview.js";

export async function render(app, { me }) {
  const isAdmin = me.role === "admin";
  const message = h("div");
  const listEl = h("div");
  const regEl = h("div");
  mount(app,
    h("div.page-head",
      h("div", h("h1", "Server-wide policies"),
        h("p", "Enforced on every session, after session and agent policies. A DENY here cannot be overridden by a user.")),
      isAdmin ? h("button.primary", { type: "button", id: "add-server-policy", onclick: () => add() }, "+ Add policy") : null),
    isAdmin ? null : notice("info", "Only admins can change server-wide policies. You can see them here."),
    message,
    h("div.card", listEl),
    h("div.card", h("h2", "Policy registry"),
      h("p.small.muted", "Every handler this server may attach, with its parameters. Pick one to add it server-wide."), regEl));

  const say = (kind, text) => message.replaceChildren(notice(kind, text));
  const opts = {
    editable: (p) => isAdmin && !p.read_only && p.source !== "config",
    onToggle: async (p, on) => {
      await patch(`/v1/policies/${enc(p.id)}`, { enabled: on });
      say("ok", `${p.name} ${on ? "enabled" : "disabled"}.`);
      await refresh();
    },
    onEdit: (p) => policyDialog({
      title: `Edit ${p.name}`, existing: p,
      submit: async ({ name, factory_params }) => {
        await patch(`/v1/policies/${enc(p.id)}`, { name, factory_params });
        say("ok", `${name} updated.`);
        await refresh();
      },
    }),
    onRemove: async (p) => {
      await del(`/v1/policies/${enc(p.id)}`);
      say("ok", `${p.name} deleted.`);
      await refresh();
    },
    onError: (err) => say("error", err.message),
  };

  function add(entry) {
    return policyDialog({
      title: "Add a server-wide policy", fixedEntry: entry || null, preview: serverPreview(20),
      submit: async ({ name, handler, factory_params }) => {
        await post("/v1/policies", { name, type: "python", handler, factory_params });
        say("ok", `${name} is now enforced on every session.`);
        await refresh();
      },
    });
  }

  async function refresh() {
    const policies = listOf(await get("/v1/policies"), "policies").map((p) => ({ ...p, level: p.level || "server" }));
    const fromFile = policies.filter((p) => !opts.editable(p)).length;
    mount(listEl,
      h("div.card-head", h("h2", `${policies.length} ${policies.length === 1 ? "policy" : "policies"}`),
        fromFile ? h("span.small.muted", `${fromFile} from the config file (read-only: edit the file and restart)`) : null),
      policyList(policies, { ...opts, showLevel: false },
        empty("No server-wide policies",
          "Add a company-wide guardrail — a cost cap, a per-user daily budget, a rate limit — from the registry below.",
          "Policies in the server's config file are listed here too, read-only.")));
  }

  await refresh();
  try {
    const entries = await loadRegistry();
    mount(regEl, entries.length ? registryBrowser(entries, (e) => (isAdmin ? add(e) : null))
      : empty("The registry is empty", "Add modules with `policy_modules` in the server config."));
  } catch (err) {
    mount(regEl, notice("error", err.message));
  }
}
