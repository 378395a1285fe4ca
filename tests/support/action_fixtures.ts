/**
 * Helpers for the action integration tests: install real test plugins (AssemblyScript
 * fixtures under manifests written by the test) into a test server, drive chat turns over
 * HTTP and read their events, and look at what the scripted model received.
 *
 * @example
 * ```ts
 * await using model = await startScriptedModel({ responder });
 * await using rg = await startRungpt({ model });
 * await installPlugins(rg, [{ name: "probe", wasm: "echo", actions: [{ name: "echo", description: "Echoes." }] }]);
 * const conv = await newConversation(rg);
 * await send(rg, conv.id, "Hi");
 * const events = await settle(rg, conv.id);
 * ```
 * @module
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import type { EndEvent, TurnEvent } from "../../lib/chat/events.ts";
import type { ActionCall } from "../../lib/tools/call.ts";
import type { ActionMeta } from "../../lib/chat/action_types.ts";
import { installPlugin } from "../../lib/plugins/install.ts";
import type { Conversation, Message } from "../../lib/store/types.ts";
import { createGitFixtures } from "./git_fixtures.ts";
import { startRungpt, type TestRungpt } from "./rungpt_server.ts";
import {
  type RecordedRequest,
  type Reply,
  type ScriptedModel,
  startScriptedModel,
} from "./scripted_model.ts";
import { buildFixture } from "./wasm_fixtures.ts";

/** One action of a test plugin's manifest. */
export interface TestActionSpec {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  export?: string;
  input?: "json" | "text";
  confirm?: boolean;
  readOnly?: boolean;
}

/** A test plugin: a fixture module under a manifest written here. */
export interface TestPluginSpec {
  /** The plugin's name (its id in `plugin.action`). */
  name: string;
  /**
   * The fixture module under tests/fixtures/wasm/ (e.g. `echo`, `loop`, `fetcher`), or a
   * module's bytes (built by another toolchain, see toolchains.ts).
   */
  wasm: string | Uint8Array;
  actions: TestActionSpec[];
  apis?: string[];
  /** `permissions.net.hosts`. */
  hosts?: string[];
  /** Grant loopback and private addresses to `rungpt:net`. */
  allowPrivateNetwork?: boolean;
  /** APIs provided to other plugins (a provider runs one call at a time). */
  provides?: { name: string; functions: string[] }[];
}

/** A JSON Schema for `{ text: string }`, the arguments most test actions take. */
export const TEXT_ARGS = {
  type: "object",
  properties: { text: { type: "string", description: "Any text." } },
  required: ["text"],
};

/**
 * Installs each plugin through the real installer (a local git repository per plugin) into
 * the plugins dir of a test server (or of a `rungpt` process the test starts itself), with
 * that server's data dir.
 */
export async function installPlugins(
  rg: Pick<TestRungpt, "pluginsDir" | "dataDir">,
  specs: TestPluginSpec[],
): Promise<void> {
  await using git = await createGitFixtures();
  for (const spec of specs) {
    const manifest = {
      name: spec.name,
      version: "1.0.0",
      description: `Test plugin ${spec.name}.`,
      wasm: "plugin.wasm",
      apis: spec.apis ?? [],
      ...(spec.hosts ? { permissions: { net: { hosts: spec.hosts } } } : {}),
      ...(spec.provides ? { provides: spec.provides } : {}),
      actions: spec.actions.map((a) => ({ description: `Runs ${a.name}.`, ...a })),
    };
    const repo = await git.createRepo("test", spec.name);
    await repo.commit(
      {
        "rungpt.yaml": stringify(manifest),
        "plugin.wasm": typeof spec.wasm === "string" ? await buildFixture(spec.wasm) : spec.wasm,
      },
      { tags: ["v1.0.0"] },
    );
    await installPlugin({
      spec: `test/${spec.name}`,
      pluginsDir: rg.pluginsDir,
      dataDir: rg.dataDir,
      confirm: () => Promise.resolve(true),
      gitBase: git.base,
      allowPrivateNetwork: spec.allowPrivateNetwork,
    });
  }
}

/** A scripted model and a rungpt using it, with test plugins installed; disposes of both. */
export interface ActionsEnv {
  model: ScriptedModel;
  rg: TestRungpt;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts the scripted model with `responder`, a rungpt using it (with `opts.env`), installs
 * `plugins` and sets the action mode (`opts.mode`, default tags).
 *
 * @example
 * ```ts
 * await using env = await startActionsEnv(responder, [PROBE], { mode: "native" });
 * ```
 */
export async function startActionsEnv(
  responder: (req: RecordedRequest) => Reply,
  plugins: TestPluginSpec[],
  opts: { mode?: "tags" | "native" | "auto"; env?: Record<string, string> } = {},
): Promise<ActionsEnv> {
  const model = await startScriptedModel({ responder });
  const rg = await startRungpt({ model, env: opts.env });
  await installPlugins(rg, plugins);
  await putSettings(rg, { actionMode: opts.mode ?? "tags" });
  return {
    model,
    rg,
    async [Symbol.asyncDispose]() {
      await rg.close();
      await model.close();
    },
  };
}

/** Changes settings through `PUT /api/settings`. */
export async function putSettings(rg: TestRungpt, patch: Record<string, unknown>) {
  const res = await rg.api("/api/settings", { method: "PUT", json: patch });
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json();
}

/** Creates a conversation. */
export async function newConversation(rg: TestRungpt): Promise<Conversation> {
  const res = await rg.api("/api/conversations", { method: "POST", json: {} });
  assert.equal(res.status, 201);
  return await res.json();
}

/** Posts a user message; the turn starts on the server. */
export async function send(rg: TestRungpt, id: string, content: string) {
  const res = await rg.api(`/api/conversations/${id}/messages`, {
    method: "POST",
    json: { content },
  });
  assert.equal(res.status, 202, await res.clone().text());
  return await res.json() as { userMessage: Message; assistantMessage: Message };
}

/** `GET /api/conversations/:id`. */
export async function conversation(rg: TestRungpt, id: string) {
  const res = await rg.api(`/api/conversations/${id}`);
  assert.equal(res.status, 200);
  return await res.json() as { conversation: Conversation; messages: Message[]; running: boolean };
}

/** Parses the conversation's event stream as it arrives; cancels the body when left early. */
export async function* events(rg: TestRungpt, id: string): AsyncGenerator<TurnEvent> {
  const res = await rg.api(`/api/conversations/${id}/events`);
  assert.equal(res.status, 200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.match(/^data: (.*)$/m)?.[1];
        if (data) yield JSON.parse(data) as TurnEvent;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Reads events until one matches (returning it); fails if the stream ends first. */
export async function nextEvent<T extends TurnEvent>(
  stream: AsyncGenerator<TurnEvent>,
  match: (e: TurnEvent) => e is T,
): Promise<T>;
export async function nextEvent(
  stream: AsyncGenerator<TurnEvent>,
  match: (e: TurnEvent) => boolean,
): Promise<TurnEvent>;
export async function nextEvent(
  stream: AsyncGenerator<TurnEvent>,
  match: (e: TurnEvent) => boolean,
): Promise<TurnEvent> {
  const seen: string[] = [];
  // Not `for await`: leaving it would close the stream, which the caller reads on.
  for (let r = await stream.next(); !r.done; r = await stream.next()) {
    if (match(r.value)) return r.value;
    seen.push(r.value.type);
  }
  throw new Error(`the event stream ended without the expected event (saw ${seen.join(", ")})`);
}

/** An `action` event's call with the given status, if `e` is one. */
export function isCallStatus(status: ActionCall["status"]) {
  return (e: TurnEvent): e is TurnEvent & { type: "action" } =>
    e.type === "action" && e.call.status === status;
}

/** Waits until no turn runs; returns the events seen (just `idle` if it had already ended). */
export async function settle(rg: TestRungpt, id: string): Promise<TurnEvent[]> {
  const out: TurnEvent[] = [];
  for await (const e of events(rg, id)) out.push(e);
  const last = out.at(-1);
  assert.ok(last?.type === "end" || last?.type === "idle", JSON.stringify(out));
  return out;
}

/** Runs one whole turn: sends, waits for the end, returns the stored assistant message. */
export async function turn(rg: TestRungpt, id: string, content: string): Promise<Message> {
  const { assistantMessage } = await send(rg, id, content);
  await settle(rg, id);
  const { messages } = await conversation(rg, id);
  const message = messages.find((m) => m.id === assistantMessage.id);
  assert.ok(message, "the assistant message is stored");
  return message;
}

/** The message's action meta (calls and rounds). */
export function metaOf(message: Message): ActionMeta {
  return (message.meta ?? {}) as ActionMeta;
}

/** The `end` event of a finished turn's events. */
export function endOf(list: TurnEvent[]): EndEvent {
  const end = list.find((e) => e.type === "end");
  assert.ok(end, JSON.stringify(list));
  return end as EndEvent;
}

/** A request's messages. */
// deno-lint-ignore no-explicit-any
export function messagesOf(request: RecordedRequest): any[] {
  return request.body.messages;
}

/** The text of the last message of a request (what the model answers to). */
export function lastContent(request: RecordedRequest): string {
  const last = messagesOf(request).at(-1);
  return typeof last?.content === "string" ? last.content : "";
}

/** Whether the request carries tag-mode action results as its last message. */
export function hasResults(request: RecordedRequest): boolean {
  const last = messagesOf(request).at(-1);
  return last?.role === "user" && lastContent(request).includes("<action_result");
}

/** The body of each `<action_result>` block in `text`, by action name, in order. */
export function resultBlocks(text: string): { name: string; error: boolean; body: string }[] {
  return [
    ...text.matchAll(
      /<action_result name="([^"]*)"( error="true")?>\n([\s\S]*?)\n<\/action_result>/g,
    ),
  ]
    .map((m) => ({ name: m[1], error: m[2] !== undefined, body: m[3] }));
}

/** Polls until `check` returns a value (a guard against hanging, not a timing assertion). */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  for (let i = 0; i < 1500; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The `tool` messages at the end of a native-mode request, as [tool_call_id, content]. */
export function toolResults(req: RecordedRequest): [string, string][] {
  const out: [string, string][] = [];
  for (const m of messagesOf(req).toReversed()) {
    if (m.role !== "tool") break;
    out.unshift([m.tool_call_id, m.content]);
  }
  return out;
}

/** Replies with every tag-mode result block it got, one per line: the answer reflects them. */
export function answerWithResults(req: RecordedRequest): Reply {
  const blocks = resultBlocks(lastContent(req));
  return { text: blocks.map((b) => `${b.name}${b.error ? " failed" : ""}: ${b.body}`).join("\n") };
}

/** ping and pong: each provides an API and imports the other's (tests/fixtures/wasm/ping). */
export const CYCLE: TestPluginSpec[] = [
  {
    name: "ping",
    wasm: "ping",
    apis: ["pong:api"],
    provides: [{ name: "api", functions: ["ping"] }],
    actions: [{ name: "ping" }],
  },
  {
    name: "pong",
    wasm: "pong",
    apis: ["ping:api"],
    provides: [{ name: "api", functions: ["pong"] }],
    actions: [{ name: "pong" }],
  },
];

/** A plugin whose `spin` never returns (until its time limit) and whose `echo` echoes. */
export const LOOPER: TestPluginSpec = {
  name: "looper",
  wasm: "loop",
  actions: [
    { name: "spin", description: "Never returns." },
    { name: "echo", description: "Returns its arguments.", parameters: TEXT_ARGS },
  ],
};

/** A plugin whose `get` fetches a URL on 127.0.0.1 (`rungpt:net`). */
export const WEB: TestPluginSpec = {
  name: "web",
  wasm: "fetcher",
  apis: ["rungpt:net"],
  hosts: ["127.0.0.1"],
  allowPrivateNetwork: true,
  actions: [{
    name: "get",
    export: "request",
    parameters: { type: "object", properties: { url: { type: "string" } }, required: ["url"] },
  }],
};

/**
 * An HTTP server that answers no request until `count` requests are waiting: two calls that
 * ran one after the other would never get past it. Each group of `count` requests is held
 * and released anew, so one barrier serves several turns. Answers `reply <id>` for
 * `?id=<id>`.
 */
export function startBarrier(count: number) {
  let group = Promise.withResolvers<void>();
  let waiting = 0;
  const closed = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const mine = group;
    if (++waiting === count) {
      waiting = 0;
      group = Promise.withResolvers<void>();
      mine.resolve();
    }
    await Promise.race([mine.promise, closed.promise]);
    return new Response(`reply ${new URL(req.url).searchParams.get("id")}`);
  });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  return {
    url,
    /** A `web.get` tag fetching `?id=<id>` from the barrier. */
    tag: (id: string) =>
      `<action name="web.get">${JSON.stringify({ url: `${url}?id=${id}` })}</action>`,
    async [Symbol.asyncDispose]() {
      closed.resolve();
      await server.shutdown();
    },
  };
}
