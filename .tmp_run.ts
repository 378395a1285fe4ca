import { runPluginAction } from "./lib/plugins/authoring/run.ts";
const d = "examples/plugins/text-transform";
const cases: [string, unknown, Record<string,string>?][] = [
  ["uppercase", { text: "straße istanbul ǆ" }],
  ["uppercase", { text: "istanbul ıi" }, { locale: "tr" }],
  ["lowercase", { text: "İSTANBUL DİYARBAKIR I" }, { locale: "tr" }],
  ["lowercase", { text: "İSTANBUL I" }],
  ["title_case", { text: "hello wORLD-wide o'neil (the) «quote»" }],
  ["slugify", { text: "  Héllo, Wönderful Wörld! Straße 日本 — ok  " }],
  ["slugify", { text: "a b", separator: "_" }],
  ["reverse", { text: "ab😀c𝄞" }],
  ["count", { text: "Hello wörld 😀\nsecond line " }],
  ["count", { text: "" }],
  ["base64_encode", { text: "héllo 😀" }],
  ["base64_decode", { text: "aMOpbGxvIPCfmIA=" }],
  ["base64_decode", { text: "not base64!" }],
  ["replace", { text: "2024-01-15 and 1999-12-31", pattern: "(\\d{4})-(\\d\\d)-(\\d\\d)", replacement: "$3/$2/$1" }],
  ["replace", { text: "Hello hello HELLO", pattern: "hello", replacement: "bye", flags: "i" }],
  ["replace", { text: "Hello hello HELLO", pattern: "hello", replacement: "bye", flags: "gi" }],
  ["replace", { text: "abc", pattern: "x*", replacement: "-" }],
  ["replace", { text: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", pattern: "(a+)+$", replacement: "x" }],
  ["replace", { text: "aaa", pattern: "(a*)*", replacement: "[$1]" }],
  ["replace", { text: "a(b", pattern: "(", replacement: "" }],
  ["replace", { text: "cat bat rat", pattern: "^\\w|\\b[cr]at\\b", replacement: "<$&>" }],
  ["replace", { text: "line1\nline2", pattern: "^l", replacement: "L", flags: "gm" }],
  ["replace", { text: "x😀y", pattern: ".", replacement: "[$&]" }],
  ["replace", { text: "a1b22c333", pattern: "[^a-c]{2,3}?", replacement: "#" }],
  ["replace", { text: "foo", pattern: "a{2,1}", replacement: "" }],
  ["uppercase", { nottext: 1 }],
  ["uppercase", { text: "x".repeat(20) }, { max_input_chars: "10" }],
];
for (const [a, args, config] of cases) {
  try {
    console.log(a, JSON.stringify(args).slice(0, 60), "=>", await runPluginAction(d, a, JSON.stringify(args), { config }));
  } catch (e) { console.log(a, "ERR", (e as Error).message); }
}
