import { buildPlugin } from "./lib/plugins/authoring/build.ts";
const r = await buildPlugin("examples/plugins/text-transform");
console.log(r.wasm.length);
