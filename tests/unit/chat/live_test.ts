import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import type { TurnEvent } from "../../../lib/chat/events.ts";
import {
  eventStream,
  listenersFull,
  type LiveTurn,
  type LiveTurns,
  MAX_LISTENERS,
  publish,
  publishDelta,
  subscribe,
} from "../../../lib/chat/live.ts";
import type { Message } from "../../../lib/store/types.ts";

function liveTurn(): { turns: LiveTurns; turn: LiveTurn } {
  const message = { id: "m1", content: "" } as Message;
  const turn: LiveTurn = {
    conversationId: "c1",
    message,
    controller: new AbortController(),
    listeners: new Set(),
    done: Promise.resolve(),
  };
  return { turns: new Map([["c1", turn]]), turn };
}

/** Appends text the way a turn does: to the message, then published as a delta. */
function append(turn: LiveTurn, text: string) {
  turn.message!.content += text;
  publishDelta(turn, turn.message!.id, text);
}

// Immediates run in order: this one after the flush publishDelta scheduled.
const nextTask = () => new Promise((resolve) => setImmediate(resolve));

Deno.test("publishDelta: text appended back to back goes out as one delta at the next task", async () => {
  const { turns, turn } = liveTurn();
  const seen: TurnEvent[] = [];
  subscribe(turns, "c1", (e) => seen.push(e));
  append(turn, "Hel");
  append(turn, "lo, ");
  append(turn, "world");
  assert.deepEqual(seen.map((e) => e.type), ["snapshot"]);
  await nextTask();
  assert.deepEqual(seen.slice(1), [{ type: "delta", messageId: "m1", text: "Hello, world" }]);
  append(turn, "!");
  await nextTask();
  assert.deepEqual(seen.slice(2), [{ type: "delta", messageId: "m1", text: "!" }]);
});

Deno.test("publishDelta: held text goes out before any other event, in order", () => {
  const { turns, turn } = liveTurn();
  const seen: TurnEvent[] = [];
  subscribe(turns, "c1", (e) => seen.push(e));
  append(turn, "Thinking");
  publish(turn, { type: "end", status: "complete" });
  assert.deepEqual(seen.slice(1), [
    { type: "delta", messageId: "m1", text: "Thinking" },
    { type: "end", status: "complete" },
  ]);
});

Deno.test("publishDelta: a new subscriber's snapshot holds all text; no delta repeats it", async () => {
  const { turns, turn } = liveTurn();
  const early: TurnEvent[] = [];
  subscribe(turns, "c1", (e) => early.push(e));
  append(turn, "Part one. ");
  const late: TurnEvent[] = [];
  subscribe(turns, "c1", (e) => late.push(e));
  append(turn, "Part two.");
  await nextTask();
  const text = (events: TurnEvent[]) =>
    events.map((e) => e.type === "snapshot" ? e.message.content : e.type === "delta" ? e.text : "")
      .join("");
  assert.equal(text(early), "Part one. Part two.");
  assert.equal(text(late), "Part one. Part two.");
  assert.equal(late[0].type === "snapshot" && late[0].message.content, "Part one. ");
});

Deno.test("live: at most 32 event streams per conversation", async () => {
  const { turns, turn } = liveTurn();
  const stop = new AbortController();
  const streams: ReadableStream<Uint8Array>[] = [];
  for (let i = 0; i < MAX_LISTENERS; i++) {
    assert.equal(listenersFull(turns, "c1"), false, `stream ${i + 1}`);
    streams.push(eventStream(turns, "c1", stop.signal));
  }
  assert.equal(turn.listeners.size, MAX_LISTENERS);
  assert.equal(listenersFull(turns, "c1"), true);
  assert.equal(listenersFull(turns, "other"), false, "a conversation without a turn");
  await streams.pop()!.cancel();
  assert.equal(listenersFull(turns, "c1"), false, "a closed stream makes room");
  stop.abort();
  await Promise.all(streams.map((s) => s.cancel()));
});

Deno.test("live: a reader that falls too far behind is ended", async () => {
  const { turns, turn } = liveTurn();
  turn.message!.content = "x".repeat(5000); // a snapshot bigger than the limit is fine
  const stream = eventStream(turns, "c1", new AbortController().signal, 15_000, 1000);
  const bytes = stream.getReader();
  const decoder = new TextDecoder();
  const reader = {
    read: async () => {
      const { value, done } = await bytes.read();
      return { done, value: value && decoder.decode(value) };
    },
  };
  const first = await reader.read(); // the snapshot
  assert.match(first.value ?? "", /^event: snapshot\n/);
  // Events the reader keeps up with never end it, however many.
  for (let i = 0; i < 20; i++) {
    publish(turn, { type: "delta", messageId: "m1", text: "y".repeat(100) });
    assert.match((await reader.read()).value ?? "", /^event: delta\n/);
  }
  // Unread, they pile up until the limit: then the stream ends, without `end`.
  for (let i = 0; i < 20; i++) {
    publish(turn, { type: "delta", messageId: "m1", text: "z".repeat(100) });
  }
  assert.equal(turn.listeners.size, 0, "unsubscribed: nothing more is held for it");
  const rest = await reader.read();
  assert.equal(rest.done, true, "nothing of the backlog is kept: the reconnect gets a snapshot");
});
