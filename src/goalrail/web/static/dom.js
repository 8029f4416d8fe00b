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
    else if (c instanceof Node) el.append(c);
    else el.append(...shownText(String(c)));
  }
}

// Characters that change how a text reads without being seen: controls (tab and newline
// excepted: carriage return, escape, …), bidi embeddings, overrides and isolates, zero-width
// and other format characters, spaces that are not the ASCII space, variation selectors,
// Hangul fillers and the blank braille pattern.
const UNSEEN = /[\0-\x08\x0b-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0\u{e0100}-\u{e01ef}]/u;
const UNSEEN_ALL = new RegExp(UNSEEN.source, "gu");
const UNSEEN_NAMES = {
  0x09: "TAB", 0x0d: "CR", 0x1b: "ESC", 0x7f: "DEL", 0xa0: "NBSP", 0xad: "SHY", 0x200b: "ZWSP", 0x200c: "ZWNJ",
  0x200d: "ZWJ", 0x200e: "LRM", 0x200f: "RLM", 0x202a: "LRE", 0x202b: "RLE", 0x202c: "PDF", 0x202d: "LRO",
  0x202e: "RLO", 0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI", 0x2060: "WJ", 0xfeff: "BOM",
};

// Every text the UI shows goes through here (``h`` and ``mount``): each character that would be
// invisible or reorder what follows is replaced by a visible marker naming it (``⟦U+202E RLO⟧``,
// styled apart: no text can forge one), so what an approver reads is what the characters are.
export function shownText(text) {
  if (!UNSEEN.test(text)) return [text];
  const out = [];
  let at = 0;
  for (const m of text.matchAll(UNSEEN_ALL)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push(unseenMarker(m[0]));
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

function unseenMarker(ch) {
  const cp = ch.codePointAt(0);
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  const name = UNSEEN_NAMES[cp];
  const el = document.createElement("span");
  el.className = "unseen";
  el.title = `an invisible character (${code}) in this text, shown instead of it`;
  el.textContent = `⟦${code}${name ? " " + name : ""}⟧`;
  return el;
}

// Runs that push the rest of a long text out of view: more than three blank lines, or more
// than 32 spaces or tabs (also spelled as JSON escapes), each folded into a marker that says
// how many it stands for.  Nothing else is changed.
const RUNS = /\n(?:[ \t]*\n){3,}|[ \t]{33,}|(?:\\n){4,}|(?:\\t|\\r){8,}/g;

export function foldedText(text) {
  const out = [];
  let at = 0;
  for (const m of text.matchAll(RUNS)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    const run = m[0];
    let what;
    if (run[0] === "\n") what = `${run.split("\n").length - 2} blank lines`;
    else if (run[0] === "\\") what = `${run.length / 2} × ${run.slice(0, 2)}`;
    else what = `${run.length} spaces or tabs`;
    const el = document.createElement("span");
    el.className = "unseen folded";
    el.title = "a run of blank space in the agent's text, folded so that what follows stays in view";
    el.textContent = `⟦${what}⟧`;
    out.push(run[0] === "\n" ? "\n" : "", el, run[0] === "\n" ? "\n" : "");
    at = m.index + run.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out.filter((p) => p !== "");
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
