import assert from "node:assert/strict";
import { LineSplitter, LineTooLongError } from "../../../lib/mcp/lines.ts";
import { McpToolError, resultText } from "../../../lib/mcp/result.ts";
import { actionNameFor, mapToolNames } from "../../../lib/mcp/tool_names.ts";

Deno.test("tool names: MCP names become action names, or are refused", () => {
  assert.equal(actionNameFor("read_file"), "read_file");
  assert.equal(actionNameFor("longRunningOperation"), "long_running_operation");
  assert.equal(actionNameFor("get-weather.v2"), "get_weather_v2");
  assert.equal(actionNameFor(""), null);
  assert.equal(actionNameFor("2fa"), null);
  assert.equal(actionNameFor("x".repeat(65)), null);
});

Deno.test("tool names: two names that map to one action name are both refused", () => {
  const { names, refused } = mapToolNames(["getTime", "get_time", "echo"]);
  assert.deepEqual([...names], [["echo", "echo"]]);
  assert.deepEqual(refused.map((r) => r.name).sort(), ["getTime", "get_time"]);
});

Deno.test("result: text joined, other content described, error results and oversize refused", () => {
  const text = resultText({
    content: [
      { type: "text", text: "a" },
      { type: "image", mimeType: "image/png", data: "AAAA" },
      { type: "resource", resource: { uri: "file:///x", text: "inline" } },
      { type: "resource_link", uri: "file:///y", name: "y" },
      { type: "video" },
    ],
  }, 1024);
  assert.equal(
    text,
    "a\n[image image/png, 3 bytes, not shown]\ninline\n[link y file:///y]\n[content of type video, not shown]",
  );
  assert.equal(resultText({ structuredContent: { n: 1 } }, 1024), '{"n":1}');
  assert.throws(
    () => resultText({ content: [{ type: "text", text: "no such file" }], isError: true }, 1024),
    (e: Error) => e instanceof McpToolError && e.message === "no such file",
  );
  assert.throws(
    () => resultText({ content: [{ type: "text", text: "x".repeat(2000) }] }, 1024),
    /2000 bytes, above the limit of 1024/,
  );
});

Deno.test("lines: a bounded splitter cuts or fails an overlong line and never buffers it", () => {
  const cut = new LineSplitter(4, "cut");
  assert.deepEqual(cut.push("ab\r\ncdefgh"), ["ab", "cdef…"]);
  assert.deepEqual(cut.push("ijk\nl"), []); // the rest of the cut line is dropped
  assert.deepEqual(cut.flush(), ["l"]);
  const fail = new LineSplitter(4, "fail");
  assert.deepEqual(fail.push("ok\n"), ["ok"]);
  assert.throws(() => fail.push("toolong"), LineTooLongError);
});
