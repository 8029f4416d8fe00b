// Policy lists, the registry browser and the add/edit dialog (session settings and admin pages).

import { ApiError, get } from "./api.js";
import { empty, h, levelBadge, listOf, paramsChips, reasonText } from "./dom.js";
import { previewReport } from "./preview.js";
import { schemaForm } from "./schemaform.js";

let registryCache = null;

export async function loadRegistry() {
  if (!registryCache) {
    registryCache = get("/v1/policy-registry").then((body) => listOf(body, "policies")).catch((err) => {
      registryCache = null;
      throw err;
    });
  }
  return registryCache;
}

export function registryEntry(entries, handler) {
  return entries.find((e) => e.handler === handler) || null;
}

function paramsOf(p) {
  return p.factory_params || p.params || {};
}

function sourceNote(p) {
  // The file name and line, without the server's directories.
  const where = p.defined_at ? ` (${String(p.defined_at).split("/").pop()})` : "";
  if (p.level === "agent") return `from the agent's spec${where}`;
  if (p.source === "config") return `from the server config file${where}`;
  if (p.source === "system") return p.description || "built into Goalrail";
  if (p.level === "server") return "set by an admin";
  return null;
}

// Two clicks to remove: the first arms the button for a few seconds.
function removeButton(p, onRemove, onError) {
  let armed = null;
  const b = h("button.small.danger", { type: "button", "aria-label": `Remove ${p.name}` }, "Remove");
  b.addEventListener("click", async () => {
    if (!armed) {
      b.textContent = "Confirm remove";
      armed = setTimeout(() => { armed = null; b.textContent = "Remove"; }, 4000);
      return;
    }
    clearTimeout(armed);
    b.disabled = true;
    try {
      await onRemove(p);
    } catch (err) {
      b.disabled = false;
      b.textContent = "Remove";
      armed = null;
      onError(err);
    }
  });
  return b;
}

// One row: level badge, name, handler, params; and, when editable, a toggle, edit and remove.
export function policyRow(p, { editable, onToggle, onEdit, onRemove, onError = () => null, showLevel = true }) {
  const enabled = p.enabled !== false;
  const toggleId = `toggle-${p.level || "x"}-${p.id || p.name}`;
  const toggle = h("label.switch", { title: editable ? (enabled ? "Disable" : "Enable") : "Read-only" },
    h("input", {
      type: "checkbox", id: toggleId, checked: enabled, disabled: !editable,
      "aria-label": `${enabled ? "Disable" : "Enable"} ${p.name}`,
      onchange: async (e) => {
        e.target.disabled = true;
        try {
          await onToggle(p, e.target.checked);
        } catch (err) {
          e.target.checked = !e.target.checked;
          onError(err);
        } finally {
          e.target.disabled = false;
        }
      },
    }), h("span"));
  const note = editable ? null : sourceNote(p);
  return h("div.policy", { class: enabled ? "" : "disabled", dataset: { policy: p.name, level: p.level || "" } },
    toggle,
    h("div.body",
      h("div", showLevel && p.level ? levelBadge(p.level) : null, " ", h("span.name", p.name),
        enabled ? null : h("span.badge.muted", { style: "margin-left:6px" }, "disabled"),
        p.mode === "shadow" ? h("span.badge.warn", { style: "margin-left:6px" }, "shadow") : null,
        p.mode === "shadow" && typeof p.would_change === "number"
          ? h("span.small.muted.would-change", { style: "margin-left:6px" },
            `would have changed ${p.would_change} ${p.would_change === 1 ? "decision" : "decisions"}`)
          : null),
      h("div.handler.mono", p.handler),
      h("div.params", paramsChips(paramsOf(p))),
      editable ? null : h("div.readonly-note", "Read-only", note ? ` — ${note}` : "")),
    editable
      ? h("div.actions",
          onEdit ? h("button.small", { type: "button", onclick: () => onEdit(p) }, "Edit") : null,
          removeButton(p, onRemove, onError))
      : null);
}

export function policyList(policies, opts, emptyNode) {
  if (!policies.length) return emptyNode || empty("No policies", "Nothing is configured at this level.");
  return h("div.policy-list", policies.map((p) => policyRow(p, { ...opts, editable: opts.editable(p) })));
}

// The registry as a searchable list; `onPick(entry)` when one is chosen.
export function registryBrowser(entries, onPick) {
  const list = h("div.registry");
  const search = h("input", { type: "search", placeholder: "Search policies…", "aria-label": "Search the registry" });
  function render() {
    const q = search.value.trim().toLowerCase();
    const shown = entries.filter((e) => !q || `${e.name} ${e.handler} ${e.description}`.toLowerCase().includes(q));
    list.replaceChildren(...(shown.length ? shown.map((e) =>
      h("button.reg-item", { type: "button", dataset: { handler: e.handler }, onclick: () => onPick(e) },
        h("div.name", e.name || e.handler),
        h("div.handler.mono.small.muted", e.handler),
        e.description ? h("div.desc", reasonText(e.description)) : null))
      : [h("p.muted", "No policy matches your search.")]));
  }
  search.addEventListener("input", render);
  render();
  return h("div", h("div.field", search), list);
}

function defaultName(entry) {
  return entry.handler.split(".").pop();
}

// A modal to add a policy from the registry (or edit an existing one's parameters).
// `submit(body)` posts it and throws ApiError on failure; 422 errors land on the fields.
// `preview` ({scope, run(policy)}), when given, adds "Preview on history" to an add dialog.
export async function policyDialog({ title, submit, existing = null, fixedEntry = null, preview = null }) {
  const body = h("div.dlg-body");
  const foot = h("div.dlg-foot");
  const dlg = h("dialog", { "aria-label": title },
    h("div.dlg-head", h("h2", title), h("button.close", { type: "button", "aria-label": "Close", onclick: () => dlg.close() }, "×")),
    body, foot);
  dlg.addEventListener("close", () => dlg.remove());
  document.body.append(dlg);

  function pick(entry) {
    const nameInput = h("input", { type: "text", id: "policy-name", value: existing ? existing.name : defaultName(entry), required: true });
    const nameErr = h("div.error");
    const nameField = h("div.field", { dataset: { field: "name" } },
      h("label", { for: "policy-name" }, "Name", h("span.req", "*")), nameInput,
      h("div.help", "A short name for this policy instance, unique at its level."), nameErr);
    const form = schemaForm(entry.params_schema, { values: existing ? paramsOf(existing) : {}, prefix: "param" });
    const banner = h("div");
    body.replaceChildren(
      banner,
      h("div.small.muted", { style: "margin-bottom:10px" }, reasonText(entry.description || "")),
      h("div.handler.mono.small", { style: "margin-bottom:14px" }, entry.handler),
      nameField, form.el);
    const save = h("button.primary", { type: "button" }, existing ? "Save changes" : "Add policy");
    const back = existing || fixedEntry ? null : h("button", { type: "button", onclick: () => chooser() }, "Back");
    const previewed = h("div");
    body.append(previewed);
    const previewBtn = preview && !existing ? h("button", { type: "button", id: "preview-policy" }, "Preview on history") : null;
    previewBtn?.addEventListener("click", async () => {
      const name = nameInput.value.trim() || defaultName(entry);
      const params = form.collect();
      if (params === null) return;
      previewBtn.disabled = true;
      previewed.replaceChildren(h("p.small.muted", "Replaying recorded decisions…"));
      try {
        const factoryParams = entry.kind === "callable" && !Object.keys(params).length ? undefined : params;
        const out = await preview.run({ name, handler: entry.handler, factory_params: factoryParams });
        previewed.replaceChildren(previewReport(out, preview.scope));
      } catch (err) {
        if (err instanceof ApiError && err.status === 422 && err.errors.length) form.showErrors(err.errors, err.message);
        previewed.replaceChildren(h("div.notice.error", { role: "alert" }, err.message));
      } finally {
        previewBtn.disabled = false;
      }
    });
    foot.replaceChildren(
      ...[back, h("button", { type: "button", onclick: () => dlg.close() }, "Cancel"), previewBtn, save].filter(Boolean));
    save.addEventListener("click", async () => {
      nameField.classList.remove("invalid");
      nameErr.textContent = "";
      banner.replaceChildren();
      const name = nameInput.value.trim();
      const params = form.collect();
      if (!name) {
        nameField.classList.add("invalid");
        nameErr.textContent = "Give the policy a name.";
      }
      if (!name || params === null) return;
      save.disabled = true;
      try {
        // A direct (callable) policy takes no parameters: send none.
        const factoryParams = entry.kind === "callable" && !Object.keys(params).length ? undefined : params;
        await submit({ name, handler: entry.handler, factory_params: factoryParams, existing });
        dlg.close();
      } catch (err) {
        if (err instanceof ApiError && (err.status === 422 || err.status === 400 || err.status === 409)) {
          const nameErrors = err.errors.filter((e) => String(e.loc || "").split(/[./,]/).pop() === "name");
          for (const e of nameErrors) {
            nameField.classList.add("invalid");
            nameErr.replaceChildren(...reasonText(e.message));
          }
          const rest = err.errors.filter((e) => !nameErrors.includes(e));
          if (rest.length || !nameErrors.length) form.showErrors(rest, err.message);
          if (err.status === 409 && !err.errors.length) {
            nameField.classList.add("invalid");
            nameErr.replaceChildren(...reasonText(err.message));
          }
        } else {
          banner.replaceChildren(h("div.notice.error", { role: "alert" }, reasonText(err.message)));
        }
      } finally {
        save.disabled = false;
      }
    });
    const first = body.querySelector(".schema-form input, .schema-form select, .schema-form textarea");
    (first || nameInput).focus();
  }

  function chooser() {
    body.replaceChildren(
      h("p.small.muted", "Pick a policy from the registry. Its form is generated from the policy's parameter schema."),
      registryBrowser(entries, pick));
    foot.replaceChildren(h("button", { type: "button", onclick: () => dlg.close() }, "Cancel"));
  }

  dlg.showModal();
  let entries = [];
  try {
    entries = await loadRegistry();
  } catch (err) {
    body.replaceChildren(h("div.notice.error", { role: "alert" }, reasonText(`The policy registry could not be loaded. ${err.message}`)));
    foot.replaceChildren(h("button", { type: "button", onclick: () => dlg.close() }, "Close"));
    return;
  }
  const start = existing ? registryEntry(entries, existing.handler) : fixedEntry;
  if (existing && !start) {
    body.replaceChildren(h("div.notice.error", "This policy's handler is not in the registry, so its parameters cannot be edited here."));
    foot.replaceChildren(h("button", { type: "button", onclick: () => dlg.close() }, "Close"));
    return;
  }
  if (start) pick(start);
  else chooser();
}
