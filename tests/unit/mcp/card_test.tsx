// The MCP server's card and consent dialog as rendered on the server: state in words, masked
// env values, and the warnings a view may carry (running unsandboxed, or its own warning).
import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { McpConsentDialog } from "../../../components/plugins/McpConsentDialog.tsx";
import { McpServerCard, stateText } from "../../../components/plugins/McpServerCard.tsx";
import { parseServerConfig } from "../../../lib/mcp/config.ts";
import { type McpServerView, serverView } from "../../../lib/mcp/views.ts";

const config = parseServerConfig({
  source: "npm:@modelcontextprotocol/server-memory",
  permissions: { read: ["/m"], net: ["api.example.com"] },
  env: { KEY: "sk-hidden-value" },
});
const view = serverView({ name: "memory", config, status: { state: "connected", tools: 9 } }, []);
const noop = () => Promise.resolve();
const card = (v: McpServerView) =>
  renderToString(<McpServerCard server={v} onToggle={noop} onStart={noop} onRemove={noop} />);

Deno.test("mcp card: its state in words, its grants, env names only", () => {
  const html = card(view);
  assert.match(html, /Connected, 9 tools/);
  assert.match(html, /api\.example\.com/);
  assert.match(html, /KEY<\/code><span class="muted">value set, hidden/);
  assert.ok(!html.includes("sk-hidden-value"));
  assert.ok(!html.includes("Not sandboxed"), "no warning without a reason");
  assert.equal(stateText({ ...view, state: "connected", tools: 1 }), "Connected, 1 tool");
  assert.equal(stateText({ ...view, state: "failed", reason: "x" }), "Failed: x");
  assert.match(card({ ...view, state: "stopped", tools: null }), /Start now/);
});

Deno.test("mcp card and dialog: unsandboxed and a warning are shown prominently; no 'Never' row then", () => {
  const risky = { ...view, unsandboxed: true as const, warning: "It runs uvx with your rights." };
  for (
    const html of [
      card(risky),
      renderToString(<McpConsentDialog preview={risky} busy={false} onAnswer={() => {}} />),
    ]
  ) {
    assert.match(html, /Not sandboxed:/);
    assert.match(html, /It runs uvx with your rights\./);
    assert.ok(!html.includes("running programs, FFI"), "it may run programs");
  }
  const dialog = renderToString(
    <McpConsentDialog preview={view} busy={false} onAnswer={() => {}} />,
  );
  assert.match(dialog, /Add MCP server memory\?/);
  assert.match(dialog, /running programs, FFI, system information/);
  assert.match(dialog, /<button[^>]*autofocus[^>]*>Cancel/);
});
