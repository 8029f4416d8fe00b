// Calls to the Goalrail REST API from the page: the session cookie plus a CSRF header.
//
// The session cookie is HttpOnly; every state-changing request also carries the
// `X-Goalrail-CSRF` header, which a cross-site form cannot send (the server also
// checks `Origin`).  Bearer tokens are never stored in the page.

export const CSRF_HEADER = "X-Goalrail-CSRF";

export class ApiError extends Error {
  constructor(status, body) {
    super(plainMessage(status, body));
    this.status = status;
    this.code = (body && body.code) || null;
    this.errors = (body && Array.isArray(body.errors) && body.errors) || [];
    this.body = body;
  }
}

function plainMessage(status, body) {
  const said = body && typeof body.message === "string" && body.message;
  switch (status) {
    case 0:
      return "Cannot reach the Goalrail server. Check that `goalrail server` is running, then try again.";
    case 401:
      return "You are not signed in, or your sign-in has expired. Sign in again to continue.";
    case 403:
      return said ? `Not allowed: ${said}` : "Your account is not allowed to do this.";
    case 404:
      return said || "That item no longer exists. It may have been removed.";
    case 409:
      return said || "Someone else changed this at the same time. Reload and try again.";
    case 413:
      return "That request is too large for the server.";
    case 422:
      return said || "Some values are not valid. Check the highlighted fields.";
    default:
      if (status >= 500) return "The server hit an unexpected error. Try again; if it keeps happening, check the server log.";
      return said || `The server answered with an error (${status}).`;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method !== "GET" && method !== "HEAD") {
    headers[CSRF_HEADER] = "1";
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, null);
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (err) {
      data = { message: text.slice(0, 200) };
    }
  }
  if (!res.ok) throw new ApiError(res.status, normalizeError(data));
  return data;
}

// FastAPI's own validation errors come as {"detail": [...]}; ours as {"code","message","errors"}.
function normalizeError(data) {
  if (data && Array.isArray(data.detail)) {
    return {
      code: "invalid_request",
      message: "Some values are not valid.",
      errors: data.detail.map((d) => ({ loc: d.loc, message: d.msg })),
    };
  }
  if (data && typeof data.detail === "string") return { message: data.detail, errors: [] };
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body === undefined ? {} : body);
export const patch = (path, body) => api("PATCH", path, body);
export const del = (path) => api("DELETE", path);

export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) p.set(k, v);
  const s = p.toString();
  return s ? "?" + s : "";
}

export const enc = encodeURIComponent;
