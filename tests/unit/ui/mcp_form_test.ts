import assert from "node:assert/strict";
import { EMPTY_MCP_FORM, formField, formInput, McpFormError } from "../../../lib/ui/mcp_form.ts";

Deno.test("mcp form: lists split on lines (and commas where items hold none), env values on lines", () => {
  const input = formInput({
    ...EMPTY_MCP_FORM,
    name: " memory ",
    source: "npm:@modelcontextprotocol/server-memory ",
    read: "/a\n\n /b , /c",
    write: "/w",
    net: "api.example.com, localhost:8080",
    envNames: "HOME_X,OTHER",
    envValues: "KEY=a=b, c\n\nEMPTY=",
    headers: "Authorization: Bearer a:b\n\n X-Team :  blue ",
    args: "--flag\na, b with spaces",
    trustReadOnly: true,
  });
  assert.deepEqual(input, {
    name: "memory",
    source: "npm:@modelcontextprotocol/server-memory",
    args: ["--flag", "a, b with spaces"],
    permissions: {
      read: ["/a", "/b", "/c"],
      write: ["/w"],
      net: ["api.example.com", "localhost:8080"],
      env: ["HOME_X", "OTHER"],
    },
    env: { KEY: "a=b, c", EMPTY: "" },
    headers: { Authorization: "Bearer a:b", "X-Team": "blue" },
    trustReadOnly: true,
  });
});

Deno.test("mcp form: an env value line without NAME= names its field", () => {
  for (const line of ["JUSTANAME", "=value"]) {
    assert.throws(
      () => formInput({ ...EMPTY_MCP_FORM, envValues: line }),
      (e: unknown) =>
        e instanceof McpFormError && e.field === "envValues" && /NAME=VALUE/.test(e.message),
    );
  }
});

Deno.test("mcp form: a header line without Name: names its field", () => {
  for (const line of ["Authorization", ": value"]) {
    assert.throws(
      () => formInput({ ...EMPTY_MCP_FORM, headers: line }),
      (e: unknown) =>
        e instanceof McpFormError && e.field === "headers" && /Name: value/.test(e.message),
    );
  }
});

Deno.test("mcp form: the API's field names map back to the form's fields", () => {
  assert.equal(formField("permissions.read.0"), "read");
  assert.equal(formField("permissions.write.3"), "write");
  assert.equal(formField("permissions.net.0"), "net");
  assert.equal(formField("permissions.env.1"), "envNames");
  assert.equal(formField("env.1BAD"), "envValues");
  assert.equal(formField("source"), "source");
  assert.equal(formField("name"), "name");
  assert.equal(formField("args.2"), "args");
  assert.equal(formField("headers"), "headers");
  assert.equal(formField("taken"), null);
  assert.equal(formField(null), null);
});
