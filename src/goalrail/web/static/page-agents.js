// Admin: agent specs and the policies each declares (read-only: agent specs are files or uploads).

import { get } from "./api.js";
import { empty, h, listOf, mount } from "./dom.js";
import { policyList } from "./policies.js";

export async function render(app) {
  const agents = listOf(await get("/v1/agents"), "agents");
  mount(app,
    h("div.page-head",
      h("div", h("h1", "Agents"),
        h("p", "Agent specs loaded from the server's agents_dir or uploaded with POST /v1/agents. Their policies apply to every session of that agent."))),
    agents.length
      ? agents.map((a) => h("div.card", { dataset: { agent: a.name } },
          h("div.card-head",
            h("h2", a.name),
            h("span.small.muted", a.origin === "config" ? `from ${a.source || "agents_dir"}` : "uploaded")),
          a.prompt ? h("p.small.muted", String(a.prompt).slice(0, 240)) : null,
          Object.keys(a.labels || {}).length ? h("div", Object.entries(a.labels).map(([k, v]) => h("span.chip", `${k}=${v}`))) : null,
          h("h3", "Policies"),
          policyList((a.policies || []).map((p) => ({ ...p, level: "agent", read_only: true })),
            { editable: () => false, showLevel: false },
            h("p.muted.small", "This agent declares no policies."))))
      : h("div.card", empty("No agents",
          "Agent specs are YAML files with a `policies:` block. Put them in the directory named by `agents_dir` in the server config, or upload one with POST /v1/agents.")));
}
