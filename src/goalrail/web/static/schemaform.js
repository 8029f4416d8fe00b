// A form generated from a policy's `params_schema` (JSON Schema), with inline errors.
//
// Handles what builtin schemas use: number/integer (minimum, maximum, exclusive bounds),
// boolean, string (minLength, maxLength, pattern), enum, arrays of scalars (comma-separated list,
// minItems/maxItems),
// nullable types (["number", "null"]); anything else is edited as JSON.  Client-side checks
// catch the easy mistakes; the server's 422 `errors[].loc` is always mapped back to the field.

import { h, reasonText } from "./dom.js";

function typesOf(prop) {
  const t = prop.type;
  const list = Array.isArray(t) ? t : t ? [t] : [];
  const nullable = list.includes("null");
  const main = list.find((x) => x !== "null") || (prop.enum ? "enum" : "json");
  return { main, nullable };
}

function kindOf(prop) {
  const { main } = typesOf(prop);
  if (Array.isArray(prop.enum)) return "enum";
  if (main === "array") {
    const items = prop.items || {};
    const it = typesOf(items).main;
    if (Array.isArray(items.enum)) return "multi";
    if (["string", "number", "integer"].includes(it)) return "list";
    return "json";
  }
  if (["number", "integer", "boolean", "string"].includes(main)) return main;
  return "json";
}

const WORDS = { usd: "(USD)", llm: "LLM", url: "URL", urls: "URLs", id: "ID", ids: "IDs", pii: "PII", mcp: "MCP", s: "(seconds)", ms: "(ms)" };

function label(name, prop) {
  if (prop.title) return prop.title;
  const words = name.split("_").map((w) => WORDS[w] || w);
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function boundsHelp(prop) {
  const parts = [];
  if (prop.minimum !== undefined) parts.push(`at least ${prop.minimum}`);
  if (prop.exclusiveMinimum !== undefined) parts.push(`greater than ${prop.exclusiveMinimum}`);
  if (prop.maximum !== undefined) parts.push(`at most ${prop.maximum}`);
  if (prop.exclusiveMaximum !== undefined) parts.push(`less than ${prop.exclusiveMaximum}`);
  return parts.length ? `Must be ${parts.join(" and ")}.` : "";
}

function fieldFor(name, prop, required, value, prefix) {
  const id = `${prefix}-${name}`;
  const kind = kindOf(prop);
  const has = value !== undefined && value !== null;
  let input;
  if (kind === "boolean") {
    input = h("input", { type: "checkbox", id, name, checked: has ? Boolean(value) : false });
  } else if (kind === "enum") {
    const opts = prop.enum.map((v) => h("option", { value: JSON.stringify(v), selected: has && v === value }, String(v)));
    const blank = required && has ? null : h("option", { value: "" }, required ? "Choose…" : "(default)");
    input = h("select", { id, name }, blank, opts);
  } else if (kind === "multi") {
    const chosen = new Set(has ? value : []);
    input = h("div.checks", { id },
      prop.items.enum.map((v) => h("label.check.small", h("input", { type: "checkbox", value: JSON.stringify(v), checked: chosen.has(v) }), String(v))));
  } else if (kind === "number" || kind === "integer") {
    input = h("input", {
      type: "number", id, name, step: kind === "integer" ? "1" : "any",
      min: prop.minimum, max: prop.maximum, value: has ? String(value) : "",
      placeholder: prop.default === null ? "not set" : "",
    });
  } else if (kind === "list") {
    input = h("input", { type: "text", id, name, value: has ? value.join(", ") : "", placeholder: "value, value, …" });
  } else if (kind === "string") {
    input = h("input", { type: "text", id, name, value: has ? String(value) : "" });
  } else {
    input = h("textarea", { id, name, rows: 4, class: "mono" }, has ? JSON.stringify(value, null, 2) : "");
  }
  const help = [prop.description, boundsHelp(prop), kind === "list" ? "Separate values with commas." : "", kind === "json" ? "JSON value." : ""]
    .filter(Boolean).join(" ");
  const head = kind === "boolean"
    ? h("label.check", { for: id }, input, label(name, prop), required ? h("span.req", { title: "required" }, "*") : null)
    : h("label", { for: id }, label(name, prop), required ? h("span.req", { title: "required" }, "*") : null);
  return h("div.field", { dataset: { field: name, kind } },
    head, kind === "boolean" ? null : input,
    help ? h("div.help", reasonText(help)) : null,
    h("div.error", { id: `${id}-error`, "aria-live": "polite" }));
}

function readField(wrap, prop, required) {
  const kind = wrap.dataset.kind;
  const { nullable } = typesOf(prop);
  const el = wrap.querySelector("input, select, textarea");
  if (kind === "boolean") return { value: el.checked, set: true };
  if (kind === "multi") {
    const vals = [...wrap.querySelectorAll("input:checked")].map((i) => JSON.parse(i.value));
    return { value: vals, set: vals.length > 0 || required };
  }
  const raw = el.value.trim();
  if (raw === "") {
    if (required) return { error: "This field is required." };
    return { set: false };
  }
  if (kind === "enum") return { value: JSON.parse(raw), set: true };
  if (kind === "number" || kind === "integer") {
    const n = Number(raw);
    if (!Number.isFinite(n)) return { error: "Enter a number." };
    if (kind === "integer" && !Number.isInteger(n)) return { error: "Enter a whole number." };
    const problem = checkBounds(n, prop);
    return problem ? { error: problem } : { value: n, set: true };
  }
  if (kind === "list") {
    const parts = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const items = prop.items || {};
    const it = typesOf(items).main;
    const out = [];
    for (const p of parts) {
      if (it === "string") {
        if (items.minLength && p.length < items.minLength) return { error: `“${p}” is too short.` };
        if (items.maxLength && p.length > items.maxLength) return { error: `“${p.slice(0, 40)}…” is too long.` };
        out.push(p);
        continue;
      }
      const n = Number(p);
      if (!Number.isFinite(n)) return { error: `“${p}” is not a number.` };
      if (it === "integer" && !Number.isInteger(n)) return { error: `“${p}” is not a whole number.` };
      const problem = checkBounds(n, items);
      if (problem) return { error: `“${p}”: ${problem.toLowerCase()}` };
      out.push(n);
    }
    if (prop.minItems && out.length < prop.minItems) return { error: `Give at least ${prop.minItems} value(s).` };
    if (prop.maxItems && out.length > prop.maxItems) return { error: `Give at most ${prop.maxItems} values.` };
    return { value: out, set: true };
  }
  if (kind === "string") {
    if (prop.minLength && raw.length < prop.minLength) return { error: `Use at least ${prop.minLength} characters.` };
    if (prop.maxLength && raw.length > prop.maxLength) return { error: `Use at most ${prop.maxLength} characters.` };
    return { value: raw, set: true };
  }
  try {
    return { value: JSON.parse(raw), set: true };
  } catch (err) {
    return { error: nullable ? "Enter valid JSON, or leave empty." : "Enter valid JSON." };
  }
}

function checkBounds(n, prop) {
  if (prop.minimum !== undefined && n < prop.minimum) return `Must be at least ${prop.minimum}.`;
  if (prop.exclusiveMinimum !== undefined && n <= prop.exclusiveMinimum) return `Must be greater than ${prop.exclusiveMinimum}.`;
  if (prop.maximum !== undefined && n > prop.maximum) return `Must be at most ${prop.maximum}.`;
  if (prop.exclusiveMaximum !== undefined && n >= prop.exclusiveMaximum) return `Must be less than ${prop.exclusiveMaximum}.`;
  return null;
}

// The field a server error location points at: "factory_params.max_cost_usd",
// ["body", "factory_params", "max_cost_usd", 0], "params/max_cost_usd", …
// When the location is the parameters as a whole (a factory's own check), a message that
// names exactly one parameter in backticks is shown on that field.
function fieldOfLoc(loc, names, message) {
  const parts = Array.isArray(loc) ? loc.map(String) : String(loc || "").split(/[./]/);
  const hit = parts.find((p) => names.includes(p));
  if (hit) return hit;
  const named = names.filter((n) => String(message || "").includes(`\`${n}\``));
  return named.length === 1 ? named[0] : null;
}

export function schemaForm(schema, { values = {}, prefix = "p" } = {}) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  // Operator-only parameters (a server file's path) are for the server config, never a form.
  const names = Object.keys(props).filter((n) => !props[n]["x-operator-only"]);
  const formError = h("div.notice.error.hidden", { role: "alert" });
  const fields = names.map((n) => {
    const v = n in values ? values[n] : props[n].default;
    return fieldFor(n, props[n], required.has(n), v, prefix);
  });
  const el = h("div.schema-form", formError,
    fields.length ? fields : h("p.muted", "This policy has no parameters."));

  function fieldEl(name) {
    return el.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
  }
  function setError(name, message) {
    const wrap = name && fieldEl(name);
    if (!wrap) {
      formError.append(formError.childNodes.length ? " " : "", ...reasonText(message));
      formError.classList.remove("hidden");
      return;
    }
    wrap.classList.add("invalid");
    const e = wrap.querySelector(".error");
    e.append(e.childNodes.length ? " " : "", ...reasonText(message));
    const input = wrap.querySelector("input, select, textarea");
    if (input) input.setAttribute("aria-invalid", "true");
  }
  function clearErrors() {
    formError.textContent = "";
    formError.classList.add("hidden");
    for (const w of el.querySelectorAll(".field.invalid")) {
      w.classList.remove("invalid");
      w.querySelector(".error").textContent = "";
      const input = w.querySelector("[aria-invalid]");
      if (input) input.removeAttribute("aria-invalid");
    }
  }
  // Returns the params object, or null after showing the problems inline.
  function collect() {
    clearErrors();
    const out = {};
    let ok = true;
    for (const n of names) {
      const r = readField(fieldEl(n), props[n], required.has(n));
      if (r.error) {
        setError(n, r.error);
        ok = false;
      } else if (r.set) out[n] = r.value;
    }
    if (!ok) {
      const first = el.querySelector(".field.invalid input, .field.invalid select, .field.invalid textarea");
      if (first) first.focus();
    }
    return ok ? out : null;
  }
  function showErrors(errors, fallback) {
    clearErrors();
    const list = Array.isArray(errors) ? errors : [];
    for (const e of list) {
      const message = e.message || e.msg || "Not valid.";
      setError(fieldOfLoc(e.loc, names, message), cleanMessage(message));
    }
    if (!list.length && fallback) setError(null, fallback);
  }
  return { el, collect, showErrors, clearErrors, setError };
}

function cleanMessage(m) {
  const s = String(m);
  return s.charAt(0).toUpperCase() + s.slice(1);
}
