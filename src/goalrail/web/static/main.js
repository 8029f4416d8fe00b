// Boot: find out who is signed in, show the nav, render the page named by <body data-page>.

import { ApiError, get, post } from "./api.js";
import { h, listOf, mount, notice } from "./dom.js";

const PAGES = {
  signin: () => import("./page-signin.js"),
  sessions: () => import("./page-sessions.js"),
  session: () => import("./page-session.js"),
  approvals: () => import("./page-approvals.js"),
  "admin-policies": () => import("./page-admin-policies.js"),
  agents: () => import("./page-agents.js"),
  audit: () => import("./page-audit.js"),
};

const app = document.getElementById("app");
const page = document.body.dataset.page;

// A person signed in to the console: a user or an admin.  An agent credential (or the
// anonymous loopback identity of single-user mode) may watch, but the UI treats it as
// not signed in, because it can never approve or change anything.
export function isPerson(me) {
  return Boolean(me) && (me.role === "admin" || me.role === "user");
}

async function whoami() {
  try {
    return await get("/v1/auth/me");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return null;
    throw err;
  }
}

function showUser(me) {
  const box = document.getElementById("whoami");
  if (!isPerson(me)) {
    mount(box, h("a", { href: "/signin", style: "color:#e5e7eb" }, "Sign in"));
    return;
  }
  for (const a of document.querySelectorAll(".admin-only")) a.classList.toggle("hidden", me.role !== "admin");
  mount(box,
    h("span.name", me.user), h("span.badge.muted", me.role),
    h("button", { type: "button", onclick: signOut }, "Sign out"));
}

async function signOut() {
  try {
    await post("/v1/auth/logout");
  } catch (err) {
    // Nothing more to do: the cookie is gone or was already invalid.
  }
  location.href = "/signin";
}

export function notSignedIn(me) {
  const next = encodeURIComponent(location.pathname + location.search);
  return h("div.card.signin",
    h("h1", "Sign in to continue"),
    me && me.role === "agent"
      ? h("p.muted", "This browser is not signed in. Requests without a sign-in count as the local agent, which can never approve its own requests or change policies.")
      : h("p.muted", "This page shows your sessions, approvals and policies once you are signed in."),
    h("p", "Open the one-time sign-in link that ", h("code", "goalrail server"), " printed when it started, or sign in with a token."),
    h("a.button.primary", { href: `/signin?next=${next}`, style: "margin-top:8px" }, "Sign in with a token"));
}

async function pollPending() {
  const el = document.getElementById("pending-count");
  if (!el) return;
  try {
    const body = await get("/v1/approvals?status=pending");
    const list = listOf(body, "approvals");
    el.textContent = list.length ? String(list.length) : "";
  } catch (err) {
    el.textContent = "";
  }
}

async function boot() {
  let me;
  try {
    me = await whoami();
  } catch (err) {
    mount(app, notice("error", err.message));
    return;
  }
  showUser(me);
  if (page !== "signin" && !isPerson(me)) {
    mount(app, notSignedIn(me));
    return;
  }
  const load = PAGES[page];
  if (!load) {
    mount(app, notice("error", "This page does not exist."));
    return;
  }
  const mod = await load();
  try {
    await mod.render(app, { me, data: document.body.dataset });
  } catch (err) {
    mount(app, notice("error", err.message || String(err)));
    if (err instanceof ApiError && err.status === 401) app.append(notSignedIn(null));
  }
  if (isPerson(me)) {
    pollPending();
    setInterval(pollPending, 2000);
  }
}

boot();
