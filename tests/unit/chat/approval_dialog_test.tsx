import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { ApprovalDialog } from "../../../components/chat/ApprovalDialog.tsx";
import type { ActionCall } from "../../../lib/tools/call.ts";

const call: ActionCall = {
  id: "c1",
  name: "time.now",
  args: {},
  status: "awaiting_approval",
  offset: 0,
  round: 0,
  mode: "native",
};

const render = (c: ActionCall) =>
  renderToString(<ApprovalDialog call={c} busy={false} onAnswer={() => {}} onStop={() => {}} />);

Deno.test("approval dialog: an unsandboxed tool's warning is shown before what it may touch", () => {
  const warning = "Unsandboxed: this command runs with your full rights.";
  const html = render({
    ...call,
    access: { apis: ["unsandboxed"], hosts: ["any host"], paths: [], warning },
  });
  assert.match(html, /role="note">Unsandboxed: this command runs with your full rights\.<\/p>/);
  assert.ok(html.indexOf(warning) < html.indexOf("any host"));
  assert.ok(
    !render({ ...call, access: { apis: [], hosts: [], paths: [] } }).includes('role="note"'),
  );
});
