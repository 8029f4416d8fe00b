// A small inline SVG chart: cumulative cost (line) and tokens per call (bars) over time.

import { clock, money, toDate, tokens } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// 1, 2 or 5 times a power of ten, at least `v` (and a cent when nothing was spent).
function niceCeil(v) {
  if (!(v > 0)) return 0.01;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// An axis label with just enough decimals to tell ticks apart ($0.025, not $0.03).
function tick(v) {
  for (let d = 2; d <= 6; d++) if (Math.abs(Number(v.toFixed(d)) - v) < 1e-9) return "$" + v.toFixed(d);
  return "$" + v.toFixed(6);
}

// `width`: the container's width in CSS pixels, so labels stay readable on phones.
export function usageChart(records, width = 560) {
  const W = Math.max(300, Math.min(900, Math.round(width) || 560)), H = 200, L = 56, R = 16, T = 12, B = 26, PAD = 14;
  const pts = records
    .map((r) => ({ t: toDate(r.at)?.getTime(), cost: Number(r.cost_usd) || 0, tok: (r.input_tokens || 0) + (r.output_tokens || 0), priced: r.cost_usd !== null && r.cost_usd !== undefined }))
    .filter((p) => p.t)
    .sort((a, b) => a.t - b.t);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Cost and tokens over time" });
  let total = 0;
  const cum = pts.map((p) => ({ ...p, total: (total += p.cost) }));
  const t0 = cum.length ? cum[0].t : 0;
  const t1 = cum.length ? cum[cum.length - 1].t : 1;
  const span = Math.max(t1 - t0, 1);
  const maxCost = niceCeil(total);
  const maxTok = Math.max(1, ...cum.map((p) => p.tok));
  const x = (t) => (cum.length > 1 ? L + PAD + ((t - t0) / span) * (W - L - R - 2 * PAD) : (L + W - R) / 2);
  const y = (c) => H - B - (c / maxCost) * (H - T - B);
  // grid and axis labels
  for (let i = 0; i <= 4; i++) {
    const v = (maxCost * i) / 4;
    svg.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "axis" }));
    svg.append(s("text", { x: L - 6, y: y(v) + 3, "text-anchor": "end" }, tick(v)));
  }
  if (cum.length) {
    svg.append(s("text", { x: x(t0), y: H - 8, "text-anchor": cum.length > 1 ? "start" : "middle" }, clock(t0)));
    if (cum.length > 1) svg.append(s("text", { x: W - R, y: H - 8, "text-anchor": "end" }, clock(t1)));
  }
  // token bars
  const bw = Math.max(3, Math.min(14, (W - L - R) / Math.max(cum.length, 1) / 2));
  for (const p of cum) {
    const bh = (p.tok / maxTok) * (H - T - B) * 0.45;
    const bar = s("rect", { x: x(p.t) - bw / 2, y: H - B - bh, width: bw, height: bh, rx: 2, fill: p.priced ? "#c7d2fe" : "#fcd34d" });
    bar.append(s("title", {}, `${tokens(p.tok)} tokens${p.priced ? "" : " (unpriced)"}`));
    svg.append(bar);
  }
  // cumulative cost line
  if (cum.length) {
    let d = `M ${x(cum[0].t)} ${y(0)}`;
    for (const p of cum) d += ` L ${x(p.t)} ${y(p.total)}`;
    svg.append(s("path", { d: d + ` L ${x(t1)} ${y(0)} Z`, fill: "#4f46e5", "fill-opacity": "0.08", stroke: "none" }));
    svg.append(s("path", { d, fill: "none", stroke: "#4f46e5", "stroke-width": 2, "stroke-linejoin": "round" }));
    for (const p of cum) {
      const dot = s("circle", { cx: x(p.t), cy: y(p.total), r: 3, fill: "#4f46e5" });
      dot.append(s("title", {}, `${clock(p.t)}: ${money(p.total)} total`));
      svg.append(dot);
    }
  }
  return svg;
}
