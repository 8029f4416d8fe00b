// Sign in with a token (sets the HttpOnly cookie), or explain the one-time link.

import { ApiError, post } from "./api.js";
import { h, mount, reasonText } from "./dom.js";

function nextUrl() {
  const next = new URLSearchParams(location.search).get("next") || "/sessions";
  // Only same-site paths: never bounce to another origin.
  return next.startsWith("/") && !next.startsWith("//") ? next : "/sessions";
}

export async function render(app, { me }) {
  const signedIn = me && (me.role === "admin" || me.role === "user");
  const params = new URLSearchParams(location.search);
  const input = h("input", { type: "password", id: "token", name: "token", autocomplete: "off", placeholder: "gr_…", required: true });
  const error = h("div.error", { id: "token-error", role: "alert" });
  const field = h("div.field", h("label", { for: "token" }, "Access token"), input,
    h("div.help", "Create one with ", h("code", "goalrail token create --user NAME"), ". Agent tokens cannot sign in here."), error);
  const button = h("button.primary", { type: "submit" }, "Sign in");
  const form = h("form", { id: "signin-form", onsubmit: submit }, field, h("div.actions", button));

  async function submit(e) {
    e.preventDefault();
    error.textContent = "";
    field.classList.remove("invalid");
    const token = input.value.trim();
    if (!token) {
      field.classList.add("invalid");
      error.textContent = "Paste your access token.";
      return;
    }
    button.disabled = true;
    try {
      const who = await post("/v1/auth/login", { token });
      if (who && who.role === "agent") {
        await post("/v1/auth/logout").catch(() => null);
        field.classList.add("invalid");
        error.textContent = "That is an agent token. Agents cannot sign in to the console: use your own user or admin token.";
        button.disabled = false;
        return;
      }
      location.href = nextUrl();
    } catch (err) {
      field.classList.add("invalid");
      const agentRefused = err instanceof ApiError && err.status === 403 && err.code === "forbidden";
      error.replaceChildren(...reasonText(agentRefused
        ? "That is an agent token. Agents cannot sign in to the console: use your own user or admin token."
        : err instanceof ApiError && (err.status === 401 || err.status === 403)
        ? "That token was not accepted. Check that you copied all of it and that it has not been revoked."
        : err.message));
      button.disabled = false;
    }
  }

  const expired = params.get("error") === "expired" || params.get("error") === "invalid";
  mount(app, h("div.signin",
    h("div.card",
      h("h1", "Sign in to Goalrail"),
      signedIn ? h("div.notice.ok", `You are signed in as ${me.user} (${me.role}). `, h("a", { href: nextUrl() }, "Continue")) : null,
      expired ? h("div.notice.error", { id: "link-expired" }, "That sign-in link has expired or was already used. To sign in again: ",
        h("ul",
          h("li", "restart ", h("code", "goalrail server"), " and open the new one-time link it prints, or"),
          h("li", "create a token with ", h("code", ".venv/bin/goalrail token create --user NAME"), " and paste it below."))) : null,
      h("p.muted", "Paste an access token, or open the one-time sign-in link the server printed when it started."),
      form),
    h("div.card",
      h("h2", "Running Goalrail on your own machine?"),
      h("p.small", "On its own machine, ", h("code", "goalrail server"), " prints a one-time link like ",
        h("code", "http://127.0.0.1:6767/login?code=…"), " at every start. Open it in this browser to sign in; it works once, and you stay signed in across restarts."),
      h("p.small.muted", "Agents on the same machine can post events but cannot approve their own requests or change policies: those need this sign-in."))));
  input.focus();
}
