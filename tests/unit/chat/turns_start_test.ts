// A turn in the moment it starts: its slot is taken, its user message is being written, and
// its assistant message does not exist yet. Stop, subscribers and the page must cope.
import assert from "node:assert/strict";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { TurnEvent } from "../../../lib/chat/events.ts";
import { loadChatPage } from "../../../lib/chat/page_data.ts";
import { createTurnRunner, MAX_RUNNING_TURNS, TurnError } from "../../../lib/chat/turns.ts";
import { LlmError } from "../../../lib/llm/errors.ts";
import type { PublicSettings } from "../../../lib/store/settings.ts";
import { openSqliteStore } from "../../../lib/store/sqlite.ts";
import type { Store } from "../../../lib/store/types.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** The events of a turn's SSE stream, once it has ended. */
async function sseEvents(stream: ReadableStream<Uint8Array>): Promise<TurnEvent[]> {
  const text = await new Response(stream).text();
  return text.split("\n\n").flatMap((block) =>
    block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)))
  );
}

/**
 * A turn runner whose default model is held while the turn starts: `asked` resolves when the
 * turn reads it, `model.resolve` lets the turn go on (to a model that must not be asked).
 */
function runnerHoldingTheModel(store: Store) {
  const asked = Promise.withResolvers<void>();
  const model = Promise.withResolvers<string>();
  const turns = createTurnRunner({
    store,
    model: {
      defaultModel() {
        asked.resolve();
        return model.promise;
      },
      // deno-lint-ignore require-yield
      async *stream(_params, signal): AsyncGenerator<ChatCompletionChunk> {
        if (signal.aborted) throw new LlmError("aborted", "The request was cancelled.");
        throw new Error("a stopped turn must not ask the model");
      },
    },
  });
  return { turns, asked: asked.promise, model };
}

Deno.test("a turn stopped while it starts: Stop waits for the stopped reply to be saved; subscribers get no empty snapshot; the page follows it", async () => {
  const store = await openSqliteStore(":memory:");
  try {
    // The default model is read while the turn starts: hold it there.
    const { turns, asked, model } = runnerHoldingTheModel(store);
    const conv = await store.createConversation();
    const starting = turns.start(conv.id, { kind: "send", content: "Hi" });
    await asked;

    const events = sseEvents(turns.subscribe(conv.id, new AbortController().signal));
    const page = await loadChatPage(
      store,
      {} as PublicSettings,
      conv.id,
      (id) => turns.snapshot(id),
    );
    assert.equal(page?.running, true, "a reloaded page follows the starting turn");

    let stopped = false;
    const stopping = turns.stop(conv.id).then((r) => {
      stopped = true;
      return r;
    });
    await tick();
    assert.equal(stopped, false, "Stop waits while the turn has not saved its reply");

    model.resolve("gpt-4o");
    const { assistantMessage } = await starting;
    assert.equal(await stopping, true);
    // Once Stop has answered, the stopped reply is in the store.
    const saved = (await store.listMessages(conv.id)).find((m) => m.id === assistantMessage.id);
    assert.equal(saved?.status, "stopped");
    assert.equal(turns.isRunning(conv.id), false);

    const seen = await events;
    assert.ok(!seen.some((e) => e.type === "snapshot"), JSON.stringify(seen));
    assert.equal(seen[0].type, "message");
    assert.equal(seen[0].type === "message" && seen[0].message.id, assistantMessage.id);
    assert.deepEqual(seen.at(-1), { type: "end", status: "stopped" });
  } finally {
    await store.close();
  }
});

Deno.test("shutdown waits for a turn that is still starting", async () => {
  const store = await openSqliteStore(":memory:");
  const { turns, asked, model } = runnerHoldingTheModel(store);
  const conv = await store.createConversation();
  const starting = turns.start(conv.id, { kind: "send", content: "Hi" });
  await asked;
  let down = false;
  const shutdown = turns.shutdown().then(() => (down = true));
  await tick();
  assert.equal(down, false);
  model.resolve("gpt-4o");
  const { assistantMessage } = await starting;
  await shutdown;
  // The store can close now: the turn wrote its last state before shutdown answered.
  const saved = (await store.listMessages(conv.id)).find((m) => m.id === assistantMessage.id);
  assert.equal(saved?.status, "stopped");
  await store.close();
});

Deno.test("turns: at most 256 run at once; the next is 429 until one ends", async () => {
  const store = await openSqliteStore(":memory:");
  const turns = createTurnRunner({
    store,
    model: {
      defaultModel: () => Promise.resolve("gpt-4o"),
      // A model that never answers: each turn runs until it is stopped.
      // deno-lint-ignore require-yield
      async *stream(_params, signal): AsyncGenerator<ChatCompletionChunk> {
        if (!signal.aborted) {
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        }
        throw new LlmError("aborted", "The request was cancelled.");
      },
    },
  });
  try {
    const convs = await Promise.all(
      Array.from({ length: MAX_RUNNING_TURNS + 1 }, () => store.createConversation()),
    );
    for (const conv of convs.slice(0, MAX_RUNNING_TURNS)) {
      await turns.start(conv.id, { kind: "send", content: "Hi" });
    }
    const last = convs.at(-1)!;
    const refused = await turns.start(last.id, { kind: "send", content: "Hi" }).then(
      () => null,
      (e) => e,
    );
    assert.ok(refused instanceof TurnError, String(refused));
    assert.equal(refused.status, 429);
    assert.match(refused.message, /^256 replies are being generated already; stop one/);
    assert.deepEqual(await store.listMessages(last.id), [], "nothing was written for it");
    await turns.stop(convs[0].id);
    await turns.start(last.id, { kind: "send", content: "Hi" });
  } finally {
    await turns.shutdown();
    await store.close();
  }
});
