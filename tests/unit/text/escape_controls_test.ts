import assert from "node:assert/strict";
import { escapeControls } from "../../../lib/text/escape_controls.ts";

Deno.test("escapeControls: line breaks, escape sequences, C0/C1 controls and bidi overrides", () => {
  assert.equal(escapeControls("a\nerror: rungpt: b\r\tc"), "a\\nerror: rungpt: b\\r\\tc");
  assert.equal(escapeControls("\x1b]0;title\x07\x1b[2J"), "\\x1b]0;title\\u0007\\x1b[2J");
  assert.equal(escapeControls("\x00\x7f\x85\x9b"), "\\u0000\\u007f\\u0085\\u009b");
  assert.equal(
    escapeControls("\u202eexe.txt\u2066\u200f\u2028"),
    "\\u202eexe.txt\\u2066\\u200f\\u2028",
  );
});

Deno.test("escapeControls: printable text is unchanged, so escaping twice changes nothing", () => {
  const text = "héllo C:\\dir 🌧 «ok» → done";
  assert.equal(escapeControls(text), text);
  const once = escapeControls("x\n\x1b[31my");
  assert.equal(escapeControls(once), once);
});
