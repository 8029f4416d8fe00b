// Reading session fields the same way everywhere, whatever optional keys the server adds.

export function costOf(s) {
  const u = s.usage || {};
  const v = u.total_cost_usd ?? s.cost_usd ?? u.priced_cost_usd ?? s.total_cost_usd ?? null;
  return v;
}

export function tokensOf(s) {
  const u = s.usage || {};
  return u.total_tokens ?? (u.input_tokens || 0) + (u.output_tokens || 0);
}

export function pendingBySession(approvals) {
  const out = {};
  for (const a of approvals) out[a.session_id] = (out[a.session_id] || 0) + 1;
  return out;
}

export function sessionHref(id) {
  return `/sessions/${encodeURIComponent(id)}`;
}

export function stateOf(s) {
  if (s.ended) return { label: "ended", cls: "bad", title: s.ended };
  return { label: "active", cls: "ok", title: "" };
}
