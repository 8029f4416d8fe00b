// How an approval was answered, in words a user reads: once, this exact action for the
// session, any call of the tool for the session, or in the agent's own prompt.

export const SCOPE_TEXT = {
  once: "Approved once.",
  session_identical: "Approved for the rest of this session: this exact action only.",
  session_tool: "Approved for the rest of this session: any call of this tool, with any arguments.",
};

export function outcomeText(status, scope) {
  if (status === "answered_in_client") return "answered in the agent's own prompt";
  if (status === "applied") return "approved, used";
  if (status !== "approved") return status;
  if (scope === "session_tool") return "approved: any call of this tool, this session";
  if (scope === "session_identical" || scope === "session") return "approved: this exact action, this session";
  return "approved";
}
