/**
 * A WASI plugin rungpt did not build (tests/fixtures/c/wasi_stdio.c, C on Debian's wasi-libc)
 * installed through the real installer and called by the scripted model in a chat turn: its
 * answer reaches the model, its printf lands in the plugin's log on the plugins API, and its
 * exit() is a clear error the model sees.
 */
import assert from "node:assert/strict";
import type { LogEntry } from "../../lib/plugins/registry.ts";
import {
  lastContent,
  newConversation,
  resultBlocks,
  startActionsEnv,
  TEXT_ARGS,
  turn,
} from "../support/action_fixtures.ts";
import type { RecordedRequest, Reply } from "../support/scripted_model.ts";
import { buildC, WASI_REACTOR } from "../support/toolchains.ts";

const wasm = await buildC("wasi_stdio.c", WASI_REACTOR);

/** Calls `wasic.<action>` with "Ada" first, then answers with the result it got. */
function responder(action: string) {
  return (req: RecordedRequest): Reply => {
    const results = resultBlocks(lastContent(req));
    if (!results.length) return { text: `<action name="wasic.${action}">{"text":"Ada"}</action>` };
    const [r] = results;
    return { text: `${r.error ? "failed: " : ""}${r.body}` };
  };
}

const PLUGIN = {
  name: "wasic",
  wasm: wasm ?? new Uint8Array(),
  actions: [
    { name: "greet", description: "Greets.", input: "text" as const, parameters: TEXT_ARGS },
    {
      name: "exit_with",
      export: "exitWith",
      description: "Exits.",
      input: "text" as const,
      parameters: TEXT_ARGS,
    },
  ],
};

Deno.test({
  name: "wasi chat: a C plugin on wasi-libc answers in a turn; its printf is in its log",
  ignore: wasm === null,
  async fn() {
    await using env = await startActionsEnv(responder("greet"), [PLUGIN]);
    const conv = await newConversation(env.rg);
    const message = await turn(env.rg, conv.id, "Greet Ada");
    assert.equal(message.content, "greeted Ada");
    const res = await env.rg.api("/api/plugins/wasic");
    const { logs } = await res.json() as { logs: LogEntry[] };
    assert.deepEqual(logs.map((l) => [l.level, l.message]), [
      ["info", "hello, Ada"],
      ["warn", "careful: \\x1b[31mred\\x1b[0m"],
    ]);
  },
});

Deno.test({
  name: "wasi chat: exit() in a plugin (code 0 too) is an error the model sees",
  ignore: wasm === null,
  async fn() {
    await using env = await startActionsEnv(responder("exit_with"), [PLUGIN]);
    const conv = await newConversation(env.rg);
    const message = await turn(env.rg, conv.id, "Exit");
    assert.match(message.content, /^failed: .*exited with code 0 \(proc_exit\)/);
  },
});
