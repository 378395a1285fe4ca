// `/v1/chat/completions` with plugins installed, through the real `openai` client: the same
// action loop runs on the server; the client gets the text of every round as one completion
// (streamed or not) whose answer reflects the results; actions that need approval are denied
// unless allowed in advance; a client that brings its own tools gets a plain relay. The
// scenarios of the chat API's action tests run here too, each streamed and not (SCENARIOS);
// a round that fails is an error in OpenAI's format; n > 1 goes to the plain relay.
import assert from "node:assert/strict";
import OpenAI from "openai";
import {
  answerWithResults,
  hasResults,
  lastContent,
  LOOPER,
  messagesOf,
  putSettings,
  resultBlocks,
  startActionsEnv,
  startBarrier,
  type TestPluginSpec,
  TEXT_ARGS,
  toolResults,
  waitFor,
  WEB,
} from "../support/action_fixtures.ts";
import type { TestRungpt } from "../support/rungpt_server.ts";
import type { RecordedRequest, Reply } from "../support/scripted_model.ts";

const PROBE = {
  name: "probe",
  wasm: "echo",
  actions: [
    { name: "upper", description: "Upper-cases.", parameters: TEXT_ARGS },
    {
      name: "guarded",
      export: "upper",
      description: "Asks first.",
      parameters: TEXT_ARGS,
      confirm: true,
    },
  ],
};

// A provider runs one call at a time, so a worker left spinning would block its next call.
const SPINNER = { ...LOOPER, provides: [{ name: "spinner", functions: ["hello"] }] };

function client(rg: TestRungpt): OpenAI {
  return new OpenAI({ baseURL: rg.origin + "/v1", apiKey: rg.token, maxRetries: 0 });
}

/** Calls the action named in the user's message, then reports the result it got. */
function responder(req: RecordedRequest): Reply {
  if (hasResults(req)) {
    const [block] = resultBlocks(lastContent(req));
    return { text: `Result: ${block.error ? "refused: " : ""}${block.body}`, chunkSize: 4 };
  }
  const id = lastContent(req).trim();
  const name = id.includes(".") ? id : `probe.${id}`;
  return { text: `Checking. <action name="${name}">{"text":"hi"}</action>`, chunkSize: 5 };
}

type Mode = "tags" | "native" | "auto";

async function setup(
  mode: Mode = "tags",
  env: Record<string, string> = {},
  plugins: TestPluginSpec[] = [],
) {
  const started = await startActionsEnv(responder, [PROBE, SPINNER, ...plugins], { mode, env });
  return Object.assign(started, { openai: client(started.rg) });
}

const EXPECTED = 'Checking. \n\nResult: {"TEXT":"HI"}';

Deno.test("/v1: streaming runs the action and streams the text of every round", async () => {
  await using env = await setup();
  const stream = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "upper" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  const finishes: string[] = [];
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    const finish = chunk.choices[0]?.finish_reason;
    if (finish) finishes.push(finish);
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, EXPECTED);
  assert.deepEqual(finishes, ["stop"]);
  assert.ok(usage && usage.total_tokens > 0, "usage of both rounds is reported");

  const requests = env.model.chatRequests();
  assert.equal(requests.length, 2);
  assert.match(messagesOf(requests[0])[0].content, /probe\.upper/);
  assert.deepEqual(resultBlocks(lastContent(requests[1])), [
    { name: "probe.upper", error: false, body: '{"TEXT":"HI"}' },
  ]);
});

Deno.test("/v1: non-streaming returns one message with the text of every round", async () => {
  await using env = await setup();
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "upper" }],
  });
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.choices[0].message.content, EXPECTED);
  assert.equal(completion.choices[0].finish_reason, "stop");
  assert.equal(env.model.chatRequests().length, 2);
  // A completion always reports its usage: rungpt streams every round from the upstream, so
  // it asks for the usage there (servers send it in a stream only when asked).
  const rounds = env.model.chatRequests();
  assert.ok(rounds.every((r) => r.body.stream_options?.include_usage === true));
  assert.ok(completion.usage, "usage is reported");
  assert.ok(completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0);
  assert.equal(
    completion.usage.total_tokens,
    completion.usage.prompt_tokens + completion.usage.completion_tokens,
  );
});

Deno.test("/v1: native mode sends encoded tools and relays tool results", async () => {
  await using env = await setup("native");
  env.model.setResponder((req) => {
    const last = messagesOf(req).at(-1);
    if (last.role === "tool") return { text: `Tool said ${last.content}` };
    return {
      toolCalls: [{ id: "call_1", name: "probe__upper", arguments: ['{"text"', ':"yo"}'] }],
    };
  });
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "go" }],
  });
  assert.equal(completion.choices[0].message.content, 'Tool said {"TEXT":"YO"}');
  const [first, second] = env.model.chatRequests();
  assert.ok(
    first.body.tools.some((t: { function: { name: string } }) =>
      t.function.name === "probe__upper"
    ),
  );
  assert.deepEqual(messagesOf(second).at(-1), {
    role: "tool",
    tool_call_id: "call_1",
    content: '{"TEXT":"YO"}',
  });
});

Deno.test("/v1: a confirm action is denied unless allowed in advance", async () => {
  await using env = await setup();
  const ask = async () =>
    (await env.openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "guarded" }],
    })).choices[0].message.content;

  const denied = await ask();
  assert.match(
    denied!,
    /^Checking\. \n\nResult: refused: Error: probe\.guarded needs the user's approval/,
  );

  await putSettings(env.rg, { alwaysAllowed: ["probe.guarded"] });
  assert.equal(await ask(), EXPECTED);

  // "Ask first" denies every action that was not allowed in advance.
  await putSettings(env.rg, { alwaysAllowed: [], approvalMode: "ask" });
  const stream = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "upper" }],
    stream: true,
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.match(text, /Result: refused: Error: probe\.upper needs the user's approval/);
});

Deno.test("/v1: a client that sends its own tools gets a plain relay", async () => {
  await using env = await setup();
  env.model.setResponder(() => ({
    toolCalls: [{ id: "call_w", name: "get_weather", arguments: '{"city":"Oslo"}' }],
  }));
  const tools = [{
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Weather for a city.",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  }];
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Weather in Oslo?" }],
    tools,
  });
  const message = completion.choices[0].message;
  assert.equal(completion.choices[0].finish_reason, "tool_calls");
  assert.deepEqual(
    message.tool_calls?.map((c) => c.type === "function" && [c.id, c.function.name]),
    [
      ["call_w", "get_weather"],
    ],
  );
  const [request] = env.model.chatRequests();
  assert.equal(env.model.chatRequests().length, 1, "rungpt ran nothing");
  assert.deepEqual(request.body.tools, tools);
  assert.deepEqual(request.body.messages, [{ role: "user", content: "Weather in Oslo?" }]);
});

Deno.test("/v1: a model that always calls an action stops at the round bound", async () => {
  await using env = await setup();
  env.model.setResponder(() => ({
    text: 'More. <action name="probe.upper">{"text":"x"}</action>',
  }));
  await putSettings(env.rg, { maxActionRounds: 2 });
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "loop" }],
  });
  assert.equal(env.model.chatRequests().length, 3, "two rounds of results, then the bound");
  const text = completion.choices[0].message.content!;
  assert.ok(text.startsWith("More. \n\nMore. \n\nMore."), text);
  assert.match(text, /stopped this turn: the model had the results of 2 rounds of actions/);
  assert.equal(completion.choices[0].finish_reason, "stop");
});

Deno.test("/v1: a client that goes away cancels the running action", async () => {
  await using env = await setup("tags", { RUNGPT_ACTION_TIMEOUT_MS: "20000" });
  const abort = new AbortController();
  const stream = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "looper.spin" }],
    stream: true,
  }, { signal: abort.signal });
  let text = "";
  // The openai client ends the iteration quietly when its request is aborted.
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    // The tag follows this text: once it is here, the action is (about to be) running.
    if (text.startsWith("Checking.")) abort.abort();
  }
  assert.equal(text, "Checking. ");
  assert.equal(env.model.chatRequests().length, 1, "no round after the client left");

  // The spinning worker was stopped: the same plugin answers at once.
  const completion = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "looper.echo" }],
  });
  assert.equal(completion.choices[0].message.content, 'Checking. \n\nResult: {"text":"hi"}');
});

/** The answer's text, streamed or not. */
async function complete(openai: OpenAI, content: string, stream: boolean): Promise<string> {
  const messages = [{ role: "user" as const, content }];
  if (!stream) {
    const completion = await openai.chat.completions.create({ model: "gpt-4o", messages });
    assert.equal(completion.choices[0].finish_reason, "stop");
    return completion.choices[0].message.content ?? "";
  }
  let text = "";
  const finishes: string[] = [];
  const chunks = await openai.chat.completions.create({ model: "gpt-4o", messages, stream });
  for await (const chunk of chunks) {
    text += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
  }
  assert.deepEqual(finishes, ["stop"]);
  return text;
}

/** One action scenario; `stack` holds what it needs for the duration of its test. */
type Scenario = (stack: AsyncDisposableStack) => {
  mode?: Mode;
  env?: Record<string, string>;
  plugins?: TestPluginSpec[];
  /** The scripted model. */
  model(req: RecordedRequest): Reply;
  /** Checks one completion: the answer, and the requests the model got for it. */
  check(answer: string, requests: RecordedRequest[], run: { index: number; rg: TestRungpt }):
    | void
    | Promise<void>;
};

const CODE = [
  "Call it like this:",
  "```html",
  '<action name="probe.upper">{"text":"fenced"}</action>',
  "```",
  'Or inline: `<action name="probe.upper">{"text":"inline"}</action>`.',
].join("\n");

/** The scenarios of the chat API's action tests, through `/v1`. */
const SCENARIOS: Record<string, Scenario> = {
  "tags in fenced code and inline code are not run": () => ({
    model: () => ({ text: CODE, chunkSize: 7 }),
    check(answer, requests) {
      assert.equal(answer, CODE);
      assert.equal(requests.length, 1, "nothing ran, so no second round");
    },
  }),

  "bad JSON gives the model an error result, and it corrects itself": () => ({
    model(req) {
      if (!hasResults(req)) {
        return { text: 'Trying. <action name="probe.upper">{"text": oops}</action>', chunkSize: 6 };
      }
      if (resultBlocks(lastContent(req))[0].error) {
        return { text: 'Again. <action name="probe.upper">{"text":"fixed"}</action>' };
      }
      return answerWithResults(req);
    },
    check(answer, requests) {
      assert.equal(requests.length, 3);
      const [first] = resultBlocks(lastContent(requests[1]));
      assert.equal(first.error, true);
      assert.match(first.body, /^Error: .*JSON/i);
      assert.equal(answer, 'Trying. \n\nAgain. \n\nprobe.upper: {"TEXT":"FIXED"}');
    },
  }),

  "an unknown action gives an error result naming the available actions": () => ({
    model: (req) =>
      hasResults(req) ? answerWithResults(req) : { text: '<action name="probe.nope">{}</action>' },
    check(answer) {
      assert.match(answer, /^probe\.nope failed: Error: unknown action "probe\.nope"\./);
      assert.match(answer, /probe\.upper/);
    },
  }),

  "parallel native calls sharing index 0 both run, with the right tool_call_ids": () => ({
    mode: "native",
    model(req) {
      const results = toolResults(req);
      if (results.length) return { text: results.map(([id, r]) => `${id}=${r}`).join("; ") };
      return {
        toolCallFragments: [
          { index: 0, id: "call_a", name: "probe__upper", arguments: "" },
          { index: 0, arguments: '{"text":"a"}' },
          { index: 0, id: "call_b", name: "looper__echo", arguments: '{"te' },
          { index: 0, arguments: 'xt":"b"}' },
        ],
      };
    },
    check(answer, requests) {
      assert.equal(answer, 'call_a={"TEXT":"A"}; call_b={"text":"b"}');
      const calls = messagesOf(requests[1]).at(-3).tool_calls;
      assert.deepEqual(
        calls.map((c: { id: string; function: { name: string } }) => [c.id, c.function.name]),
        [["call_a", "probe__upper"], ["call_b", "looper__echo"]],
      );
    },
  }),

  "two calls of a slow action in one reply run at the same time": (stack) => {
    const barrier = stack.use(startBarrier(2));
    return {
      plugins: [WEB],
      // Calls run one after the other would show as a timeout rather than a hang.
      env: { RUNGPT_ACTION_TIMEOUT_MS: "10000" },
      model: (req) =>
        hasResults(req)
          ? answerWithResults(req)
          : { text: `Both: ${barrier.tag("a")} ${barrier.tag("b")}` },
      check(answer) {
        assert.match(answer, /^Both: {2}\n\nweb\.get: .*reply a.*\nweb\.get: .*reply b/s);
      },
    };
  },

  "an action that never returns times out into an error result": () => ({
    env: { RUNGPT_ACTION_TIMEOUT_MS: "500" },
    model: (req) =>
      hasResults(req)
        ? answerWithResults(req)
        : { text: 'Spinning. <action name="looper.spin">{}</action>' },
    check(answer) {
      assert.match(answer, /^Spinning\. \n\nlooper\.spin failed: Error: .*time limit of 500 ms/);
    },
  }),

  "auto mode falls back to tags when the upstream rejects tools, and remembers it": () => ({
    mode: "auto",
    model(req) {
      if (req.body.tools) return { status: 400, message: "tools are not supported" };
      if (hasResults(req)) return answerWithResults(req);
      return { text: 'Tags. <action name="probe.upper">{"text":"ok"}</action>' };
    },
    async check(answer, requests, { index, rg }) {
      assert.equal(answer, 'Tags. \n\nprobe.upper: {"TEXT":"OK"}');
      // The first completion tries tools once; the second goes straight to tags.
      const withTools = requests.filter((r) => r.body.tools).length;
      assert.equal(withTools, index === 0 ? 1 : 0);
      assert.equal(requests.length, 2 + withTools);
      assert.match(messagesOf(requests.at(-2)!)[0].content, /<action name="PLUGIN\.ACTION">/);
      const saved = await waitFor("the model remembered as tags-only", async () => {
        const s = (await (await rg.api("/api/settings")).json()).actions;
        return s.nativeToolsUnsupported.length ? s.nativeToolsUnsupported : undefined;
      });
      assert.deepEqual(saved, ["gpt-4o"]);
    },
  }),
};

for (const [name, scenario] of Object.entries(SCENARIOS)) {
  Deno.test(`/v1 scenario: ${name}`, async (t) => {
    await using stack = new AsyncDisposableStack();
    const s = scenario(stack);
    const env = stack.use(await setup(s.mode ?? "tags", s.env, s.plugins));
    env.model.setResponder(s.model);
    for (const [index, stream] of [false, true].entries()) {
      await t.step(stream ? "streamed" : "not streamed", async () => {
        const before = env.model.chatRequests().length;
        const answer = await complete(env.openai, "go", stream);
        await s.check(answer, env.model.chatRequests().slice(before), { index, rg: env.rg });
      });
    }
  });
}

Deno.test("/v1: a round that fails after actions ran is an error naming it, streamed or not", async () => {
  await using env = await setup();
  env.model.setResponder((req) =>
    hasResults(req)
      ? { status: 500, message: "the model crashed" }
      : { text: 'Checking. <action name="probe.upper">{"text":"hi"}</action>' }
  );
  const failure =
    /^Round 2 of the action loop failed, after rungpt ran probe\.upper: .*the model crashed/;
  const error = await complete(env.openai, "go", false).then(() => null, (e) => e);
  assert.ok(error instanceof OpenAI.APIError, String(error));
  // The upstream's internal error keeps its status (as in the plain relay).
  assert.equal(error.status, 500);
  assert.match(error.message, /^500 Round 2 of the action loop failed/);
  assert.match((error.error as { message: string }).message, failure);
  assert.equal(env.model.chatRequests().length, 2, "the action ran, then round 2 failed");

  // Streamed, the text so far has gone out; the stream ends with the error, not "stop".
  const streamed = await complete(env.openai, "go", true).then(() => null, (e) => e);
  assert.ok(streamed instanceof OpenAI.APIError, String(streamed));
  assert.match(streamed.message, /Round 2 of the action loop failed/);
});

Deno.test("/v1: n > 1 goes to the plain relay, without plugin actions", async () => {
  await using env = await setup();
  env.model.enqueue({ text: 'Raw <action name="probe.upper">{"text":"hi"}</action>' });
  const many = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "upper" }],
    n: 2,
  });
  // The upstream's answer as it is: no action ran, the tag is left in the text.
  assert.equal(
    many.choices[0].message.content,
    'Raw <action name="probe.upper">{"text":"hi"}</action>',
  );
  const [relayed] = env.model.chatRequests();
  assert.equal(relayed.body.n, 2);
  assert.deepEqual(relayed.body.messages, [{ role: "user", content: "upper" }]);
  // n = 1 runs the actions.
  const one = await env.openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "upper" }],
    n: 1,
  });
  assert.equal(one.choices[0].message.content, EXPECTED);
});

Deno.test("/v1: a fallback that cannot be remembered is logged, and the answer still arrives", async () => {
  await using env = await setup("auto");
  env.model.setResponder((req) =>
    req.body.tools ? { status: 400, message: "no tools here" } : { text: "Plain." }
  );
  // A name the model server accepts but the settings do not (a control character).
  const model = "odd\u0007model";
  const completion = await env.openai.chat.completions.create({
    model,
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(completion.choices[0].message.content, "Plain.");
  const line = await waitFor(
    "the failure in the server log",
    () => env.rg.logs.find((l) => l.includes("nativeToolsUnsupported")),
  );
  assert.match(line, /^error: SettingsError: invalid settings: nativeToolsUnsupported/);
});
