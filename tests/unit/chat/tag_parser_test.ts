import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  type ActionTagEvent,
  createTagParser,
  parseActionArgs,
  type ParserEvent,
  type TagParserOptions,
  UNCLOSED_TAG_ERROR,
} from "../../../lib/chat/tag_parser.ts";

/** Runs the parser over `chunks` and returns all events. */
function run(chunks: string[], opts?: TagParserOptions): ParserEvent[] {
  const p = createTagParser(opts);
  const events: ParserEvent[] = [];
  for (const c of chunks) events.push(...p.push(c));
  events.push(...p.end());
  return events;
}

/** Merges adjacent text events, so results of different splits compare equal. */
function normalize(events: ParserEvent[]): ParserEvent[] {
  const out: ParserEvent[] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (e.type !== "action" && last?.type === e.type) {
      out[out.length - 1] = { type: e.type, text: last.text + e.text };
    } else out.push(e);
  }
  return out;
}

function reconstruct(events: ParserEvent[]): string {
  return events.map((e) => e.type === "action" ? e.raw : e.text).join("");
}

function actions(events: ParserEvent[]): ActionTagEvent[] {
  return events.filter((e): e is ActionTagEvent => e.type === "action");
}

function textOf(events: ParserEvent[]): string {
  return events.map((e) => e.type === "text" ? e.text : "").join("");
}

const TAG = '<action name="weather.forecast">{"city": "Paris", "days": 3}</action>';
const SAMPLE = `Let me check the weather. ${TAG} I will wait.`;

Deno.test("a tag in one chunk: text before, the action, text after", () => {
  const events = run([SAMPLE]);
  assertEquals(events, [
    { type: "text", text: "Let me check the weather. " },
    {
      type: "action",
      name: "weather.forecast",
      argsText: '{"city": "Paris", "days": 3}',
      raw: TAG,
    },
    { type: "text", text: " I will wait." },
  ]);
});

Deno.test("a tag split at every position gives the same events", () => {
  const expected = normalize(run([SAMPLE]));
  for (let i = 0; i <= SAMPLE.length; i++) {
    const events = run([SAMPLE.slice(0, i), SAMPLE.slice(i)]);
    assertEquals(normalize(events), expected, `split at ${i}`);
    assertEquals(reconstruct(events), SAMPLE);
  }
});

Deno.test("a tag split at every pair of positions gives the same events", () => {
  const s = 'a <action name=\'p-x.do_it\' >{"k": "</act"}</action >b';
  const expected = normalize(run([s]));
  assertEquals(actions(expected).length, 1);
  assertEquals(actions(expected)[0].argsText, '{"k": "</act"}');
  for (let i = 0; i <= s.length; i++) {
    for (let j = i; j <= s.length; j++) {
      const events = run([s.slice(0, i), s.slice(i, j), s.slice(j)]);
      assertEquals(normalize(events), expected, `split at ${i}, ${j}`);
    }
  }
});

Deno.test("character by character", () => {
  const events = run([...SAMPLE]);
  assertEquals(normalize(events), normalize(run([SAMPLE])));
});

Deno.test("text before a tag is emitted at once; a possible tag prefix is held back", () => {
  const p = createTagParser();
  assertEquals(p.push("Hello <"), [{ type: "text", text: "Hello " }]);
  assertEquals(p.push("act"), []);
  assertEquals(p.push('ion name="a.b"'), []);
  assertEquals(p.push("{"), [{ type: "text", text: '<action name="a.b"{' }]);
  assertEquals(p.push(" more"), [{ type: "text", text: " more" }]);
  assertEquals(p.end(), []);
});

Deno.test("held text is released as soon as it cannot be a tag", () => {
  const p = createTagParser();
  assertEquals(p.push("x <a"), [{ type: "text", text: "x " }]);
  assertEquals(p.push(" href"), [{ type: "text", text: "<a href" }]);
  assertEquals(p.push("<"), []);
  assertEquals(p.end(), [{ type: "text", text: "<" }]);
});

Deno.test("multiple tags in one chunk with text between and after", () => {
  const s = 'A<action name="a.one">{"x":1}</action>B<action name="b.two"></action>' +
    '<action name="c.three">{}</action>C';
  const events = run([s]);
  assertEquals(events.map((e) => e.type === "action" ? e.name : e.text), [
    "A",
    "a.one",
    "B",
    "b.two",
    "c.three",
    "C",
  ]);
  assertEquals(actions(events).map((a) => a.argsText), ['{"x":1}', "", "{}"]);
  assertEquals(reconstruct(events), s);
});

Deno.test("lookalikes are text", () => {
  const cases = [
    "<actions>",
    '<a href="x">link</a>',
    '< action name="a.b">{}</action>',
    "<action>{}</action>",
    "a < b and b > c",
    '<action  id="a.b">{}</action>',
    "<action name=a.b>{}</action>",
    '<action name="a.b" extra="1">{}</action>',
    '<actionname="a.b">{}</action>',
    "<<<<",
    '<action name="a.b\n">x</action>',
  ];
  for (const s of cases) {
    for (const chunks of [[s], [...s]]) {
      const events = run(chunks);
      assertEquals(actions(events), [], s);
      assertEquals(textOf(events), s, s);
    }
  }
});

Deno.test("a lookalike right before a real tag does not hide it", () => {
  const s = '<a<action name="a.b">{}</action><act<action name="c.d"/>';
  for (const chunks of [[s], [...s]]) {
    const events = run(chunks);
    assertEquals(actions(events).map((a) => a.name), ["a.b", "c.d"]);
    assertEquals(reconstruct(events), s);
  }
});

Deno.test("whitespace around the attribute and in the closing tag is tolerated", () => {
  const s = '<action\n  name = "a.b"\t>{"x": 1}</action\n>';
  const [a] = actions(run([s]));
  assertEquals(a.name, "a.b");
  assertEquals(a.argsText, '{"x": 1}');
  assertEquals(a.raw, s);
  assertEquals(a.error, undefined);
});

Deno.test("self-closing tag is a call without arguments", () => {
  const [a] = actions(run(['<action name="clock.now"/>']));
  assertEquals({ name: a.name, argsText: a.argsText, error: a.error }, {
    name: "clock.now",
    argsText: "",
    error: undefined,
  });
});

Deno.test("an invalid name in a well-formed tag is an action with an error", () => {
  for (const name of ["Weather.Forecast", "forecast", "a.b.c", "1a.b", "a.b-c", ""]) {
    const events = run([`<action name="${name}">{}</action>`]);
    const [a] = actions(events);
    assertEquals(a.name, name);
    assert(a.error?.includes("invalid action name"), name);
  }
});

Deno.test("fenced code blocks ignore tags, across chunks", () => {
  const blocks = [
    "```\n" + TAG + "\n```\n",
    "```json title=x\n" + TAG + "\n```\n",
    "~~~\n" + TAG + "\n~~~\n",
    "````\n```\n" + TAG + "\n````\n", // a shorter fence does not close a longer one
    "~~~\n```\n" + TAG + "\n~~~\n", // a fence of the other char does not close it
    "  ```\n" + TAG + "\n  ```\n",
    "```\n" + TAG + "\n```\r\n",
  ];
  for (const block of blocks) {
    const s = "Example:\n" + block + "Now: " + TAG;
    for (const chunks of [[s], [...s], [s.slice(0, 7), s.slice(7, 20), s.slice(20)]]) {
      const events = run(chunks);
      assertEquals(actions(events).length, 1, block);
      assertEquals(textOf(events), "Example:\n" + block + "Now: ", block);
    }
  }
});

Deno.test("an unclosed fence hides tags until the end", () => {
  const s = "```python\nprint(1)\n" + TAG + "\nmore";
  const events = run([...s]);
  assertEquals(actions(events), []);
  assertEquals(textOf(events), s);
});

Deno.test("tilde fence info string and closing lines with trailing text", () => {
  // "``` x" inside the block is not a closing fence (text after the run).
  const s = "```\n``` x\n" + TAG + "\n```\n" + TAG;
  const events = run([s]);
  assertEquals(actions(events).length, 1);
  assertEquals(reconstruct(events), s);
});

Deno.test("inline code spans of any backtick length ignore tags", () => {
  const spans = [
    "`" + TAG + "`",
    "``" + TAG + "``",
    "`` a ` " + TAG + " ``", // a single backtick inside does not close a double span
    "```" + TAG + "```", // mid-line triple backticks are an inline span
  ];
  for (const span of spans) {
    const s = "Write " + span + " to call. " + TAG;
    for (const chunks of [[s], [...s]]) {
      const events = run(chunks);
      assertEquals(actions(events).length, 1, span);
      assertEquals(textOf(events), "Write " + span + " to call. ", span);
    }
  }
});

Deno.test("escaped backticks and escaped < are literal", () => {
  const s1 = "\\`" + TAG;
  assertEquals(actions(run([s1])).length, 1);
  const s2 = "\\" + TAG;
  assertEquals(actions(run([s2])), []);
  const s3 = "\\\\" + TAG; // an escaped backslash does not escape the "<"
  assertEquals(actions(run([s3])).length, 1);
});

Deno.test("a blank line ends an unmatched inline code span", () => {
  const s = "a ` lone backtick\n\n" + TAG;
  assertEquals(actions(run([...s])).length, 1);
});

Deno.test("a backtick fence opener line with a later backtick is inline code", () => {
  const s = "```a` b\n" + TAG;
  // Not a fence (info string contains a backtick): the run of 3 opens an inline span that
  // is still open, so the tag stays text...
  assertEquals(actions(run([s])), []);
  // ...and a closing run of 3 ends it.
  const s2 = "```a` b ```\n" + TAG;
  assertEquals(actions(run([s2])).length, 1);
});

Deno.test("an unterminated tag at the end is an error action", () => {
  const s = 'Checking <action name="weather.forecast">{"city": "Par';
  for (const chunks of [[s], [...s]]) {
    const events = run(chunks);
    assertEquals(textOf(events), "Checking ");
    const [a] = actions(events);
    assertEquals(a.name, "weather.forecast");
    assertEquals(a.error, UNCLOSED_TAG_ERROR);
    assertEquals(a.argsText, '{"city": "Par');
    assertEquals(reconstruct(events), s);
  }
  // The name was read but the opening tag not finished.
  const [b] = actions(run(['<action name="a.b" ']));
  assertEquals(b.error, UNCLOSED_TAG_ERROR);
  // An incomplete prefix is only text.
  assertEquals(normalize(run(["x <action na"])), [{ type: "text", text: "x <action na" }]);
});

Deno.test("an oversize body is reported at once, the rest passed as overflow", () => {
  const p = createTagParser({ maxBodyChars: 10 });
  assertEquals(p.push('<action name="a.b">{"x":'), []);
  const events = p.push('"0123456789"');
  assertEquals(events.length, 1);
  const a = events[0] as ActionTagEvent;
  assertEquals(a.type, "action");
  assert(a.error?.includes("larger than 10"));
  assertEquals(p.push("aaaa"), [{ type: "overflow", text: "aaaa" }]);
  assertEquals(p.push("}</action> done"), [
    { type: "overflow", text: "}</action>" },
    { type: "text", text: " done" },
  ]);
  assertEquals(p.end(), []);
});

Deno.test("an oversize body within one chunk and closed is an error action", () => {
  const events = run(['<action name="a.b">' + "x".repeat(20) + "</action>"], { maxBodyChars: 10 });
  const [a] = actions(events);
  assert(a.error?.includes("larger than 10"));
  assertEquals(reconstruct(events), '<action name="a.b">' + "x".repeat(20) + "</action>");
});

Deno.test("property: random text and splits reconstruct the input exactly", () => {
  // A small deterministic PRNG so failures reproduce.
  let seed = 0x2545f491;
  const rand = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const pieces = [
    TAG,
    '<action name="x.y"/>',
    "<action",
    "</action>",
    ' name="a.b">',
    "<",
    ">",
    "`",
    "```",
    "~~~",
    "\n",
    "\n\n",
    " ",
    "\\",
    "text",
    "é😀",
    "{}",
    '"',
  ];
  for (let round = 0; round < 400; round++) {
    let s = "";
    const count = 1 + rand(30);
    for (let k = 0; k < count; k++) s += pieces[rand(pieces.length)];
    const whole = run([s], { maxBodyChars: 40 });
    assertEquals(reconstruct(whole), s);
    const chunks: string[] = [];
    for (let i = 0; i < s.length;) {
      const len = 1 + rand(12);
      chunks.push(s.slice(i, i + len));
      i += len;
    }
    const split = run(chunks, { maxBodyChars: 40 });
    assertEquals(reconstruct(split), s, JSON.stringify(chunks));
    // Chunking never changes which actions are found (oversize reporting aside).
    if (!split.some((e) => e.type === "overflow") && !whole.some((e) => e.type === "overflow")) {
      assertEquals(normalize(split), normalize(whole), JSON.stringify(chunks));
    }
  }
});

Deno.test("parseActionArgs: objects, empty, fenced, invalid and non-object JSON", () => {
  assertEquals(parseActionArgs('{"city": "Paris"}'), { ok: true, value: { city: "Paris" } });
  assertEquals(parseActionArgs(""), { ok: true, value: {} });
  assertEquals(parseActionArgs("  \n "), { ok: true, value: {} });
  assertEquals(parseActionArgs('```json\n{"a": 1}\n```'), { ok: true, value: { a: 1 } });
  const bad = parseActionArgs('{"city": Paris}');
  assert(!bad.ok && bad.error.startsWith("arguments are not valid JSON: "), JSON.stringify(bad));
  assertEquals(parseActionArgs("[1]"), {
    ok: false,
    error: "arguments must be a JSON object, not an array",
  });
  assertEquals(parseActionArgs("null"), {
    ok: false,
    error: "arguments must be a JSON object, not null",
  });
  assertEquals(parseActionArgs('"x"'), {
    ok: false,
    error: "arguments must be a JSON object, not a string",
  });
});
