// Small DOM and formatting helpers shared by every page.

// h("div.card#id", {attrs}, children...) builds an element; strings become text nodes.
export function h(tag, attrs, ...children) {
  const [, name, rest] = /^([a-z0-9-]+)(.*)$/i.exec(tag);
  const el = document.createElement(name);
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "class") el.className += (el.className ? " " : "") + v;
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Money, one way everywhere: dollars and cents ("$0.26"); a non-zero amount under a cent is "<$0.01".
export function money(v) {
  if (v === null || v === undefined) return "—";
  const n = Number(v);
  if (!Number.isFinite(n)) return "—";
  if (n !== 0 && Math.abs(n) < 0.005) return n < 0 ? "-<$0.01" : "<$0.01";
  return (n < 0 ? "-$" : "$") + Math.abs(n).toFixed(2);
}

export function tokens(v) {
  const n = Number(v || 0);
  if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (n >= 1e4) return Math.round(n / 1e3) + "k";
  return String(n);
}

// Seconds since the epoch (or an ISO string) to a Date.
export function toDate(ts) {
  if (ts === null || ts === undefined || ts === "") return null;
  if (typeof ts === "number") return new Date(ts < 1e12 ? ts * 1000 : ts);
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function ago(ts) {
  const d = toDate(ts);
  if (!d) return "—";
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return s + "s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  if (s < 86400) return Math.floor(s / 3600) + " h ago";
  return day(d);
}

const pad = (n) => String(n).padStart(2, "0");

function day(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Times are 24-hour everywhere, in the browser's time zone.
export function clock(ts) {
  const d = toDate(ts);
  return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : "—";
}

export function stamp(ts) {
  const d = toDate(ts);
  return d ? `${day(d)} ${clock(d)}` : "—";
}

export function badge(verdict) {
  const v = String(verdict || "ABSTAIN").toUpperCase();
  return h("span.badge", { class: v }, v);
}

export function levelBadge(level) {
  return h("span.badge.level", { title: `${level}-level policy` }, level);
}

// Texts with `backticked` parts (server messages, help) show those parts as code, never raw backticks.
export function empty(title, ...lines) {
  return h("div.empty", h("h2", title), lines.map((l) => h("p", typeof l === "string" ? reasonText(l) : l)));
}

export function notice(kind, text) {
  return h("div.notice", { class: kind, role: kind === "error" ? "alert" : "status" }, typeof text === "string" ? reasonText(text) : text);
}

export function short(value, max = 160) {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  if (s === undefined) return "";
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

export function paramsChips(params) {
  const entries = Object.entries(params || {});
  if (!entries.length) return h("span.muted.small", "default parameters");
  return entries.map(([k, v]) => h("span.chip", `${k}: ${short(v, 60)}`));
}

// A list from an API answer that may be a bare array or {items|<key>: [...]}.
export function listOf(body, key) {
  if (Array.isArray(body)) return body;
  if (!body || typeof body !== "object") return [];
  for (const k of [key, "items", "data", "results"]) {
    if (k && Array.isArray(body[k])) return body[k];
  }
  return [];
}

// A reason as text, with `backticked` parts shown as code.
export function reasonText(text) {
  const parts = String(text || "").split("`");
  return parts.map((p, i) => (i % 2 ? h("code", p) : p));
}
