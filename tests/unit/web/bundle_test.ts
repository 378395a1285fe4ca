import assert from "node:assert/strict";
import { type IslandBuild, staticImports } from "../../../lib/web/bundle.ts";

function build(files: Record<string, string>): IslandBuild {
  const encoder = new TextEncoder();
  return {
    files: new Map(
      Object.entries(files).map((
        [path, text],
      ) => [path, { contents: encoder.encode(text), contentType: "text/javascript", etag: '"x"' }]),
    ),
  };
}

Deno.test("staticImports follows static imports transitively, not dynamic ones", () => {
  const b = build({
    "islands/App.js": 'import{a as b}from"../chunk-A.js";import"../chunk-B.js";' +
      'const l=()=>import("../chunk-LAZY.js");',
    "chunk-A.js": 'import{c}from"./chunk-C.js";export const a=1;',
    "chunk-B.js": "export{};",
    "chunk-C.js": "export const c=1;",
    "chunk-LAZY.js": 'import"./chunk-D.js";',
  });
  assert.deepEqual(staticImports(b, "islands/App.js").sort(), [
    "chunk-A.js",
    "chunk-B.js",
    "chunk-C.js",
  ]);
  assert.deepEqual(staticImports(b, "missing.js"), []);
});
