import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import type { TurnEvent } from "../../../lib/chat/events.ts";
import {
  type LiveTurn,
  type LiveTurns,
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
