// Tool-call and text assembly from chunk deltas, without any server.
import type OpenAI from "openai";
import { accumulateChunks, addChunk, newAccumulator, textDeltas } from "../../../lib/llm/mod.ts";
import { assertEquals } from "./_assert.ts";

type Delta = OpenAI.ChatCompletionChunk.Choice.Delta;

function chunk(delta: Delta, finish: string | null = null): OpenAI.ChatCompletionChunk {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finish as OpenAI.ChatCompletionChunk.Choice["finish_reason"],
    }],
  };
}

function frag(index: number, id?: string, name?: string, args?: string): Delta {
  return {
    tool_calls: [{
      index,
      ...(id ? { id, type: "function" as const } : {}),
      function: { ...(name ? { name } : {}), ...(args !== undefined ? { arguments: args } : {}) },
    }],
  };
}

Deno.test("accumulate: text, finish reason and usage", async () => {
  const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
  const acc = await accumulateChunks([
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "Hel" }),
    chunk({ content: "lo" }),
    chunk({}, "stop"),
    { ...chunk({}), choices: [], usage },
  ]);
  assertEquals(acc.content, "Hello");
  assertEquals(acc.finishReason, "stop");
  assertEquals(acc.usage, usage);
  assertEquals(acc.toolCalls, []);
});

Deno.test("accumulate: split arguments join into one call", async () => {
  const acc = await accumulateChunks([
    chunk(frag(0, "call_a", "get_weather", "")),
    chunk(frag(0, undefined, undefined, '{"ci')),
    chunk(frag(0, undefined, undefined, 'ty":"Paris"}')),
    chunk({}, "tool_calls"),
  ]);
  assertEquals(acc.toolCalls, [
    { index: 0, id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
  ]);
  assertEquals(acc.finishReason, "tool_calls");
});

Deno.test("accumulate: parallel calls at distinct indexes, interleaved", async () => {
  const acc = await accumulateChunks([
    chunk(frag(0, "call_a", "a", "")),
    chunk(frag(1, "call_b", "b", "")),
    chunk(frag(0, undefined, undefined, '{"x":')),
    chunk(frag(1, undefined, undefined, '{"y":2}')),
    chunk(frag(0, undefined, undefined, "1}")),
  ]);
  assertEquals(acc.toolCalls.map((c) => [c.id, c.name, c.arguments]), [
    ["call_a", "a", '{"x":1}'],
    ["call_b", "b", '{"y":2}'],
  ]);
});

Deno.test("accumulate: two calls sharing index 0 with distinct ids stay apart", async () => {
  const acc = await accumulateChunks([
    chunk(frag(0, "call_a", "first", '{"n":')),
    chunk(frag(0, undefined, undefined, "1}")),
    chunk(frag(0, "call_b", "second", "")),
    chunk(frag(0, undefined, undefined, '{"n":2}')),
  ]);
  assertEquals(acc.toolCalls.map((c) => [c.index, c.id, c.name, c.arguments]), [
    [0, "call_a", "first", '{"n":1}'],
    [0, "call_b", "second", '{"n":2}'],
  ]);
});

Deno.test("accumulate: a repeated id or name continues the same call", () => {
  const acc = newAccumulator();
  addChunk(acc, chunk(frag(0, "call_a", "f", '{"a"')));
  addChunk(acc, chunk(frag(0, "call_a", "f", ":1}")));
  assertEquals(acc.toolCalls, [{ index: 0, id: "call_a", name: "f", arguments: '{"a":1}' }]);
});

Deno.test("accumulate: calls without ids get stable generated ids", () => {
  const acc = newAccumulator();
  addChunk(acc, chunk(frag(0, undefined, "f", "{}")));
  addChunk(acc, chunk(frag(1, undefined, "g", "{}")));
  assertEquals(acc.toolCalls.map((c) => c.id), ["call_0", "call_1"]);
});

Deno.test("accumulate: reasoning and refusal deltas are kept apart from content", () => {
  const acc = newAccumulator();
  addChunk(acc, chunk({ reasoning_content: "think" } as Delta));
  addChunk(acc, chunk({ content: "answer" }));
  addChunk(acc, chunk({ refusal: "no" }));
  assertEquals([acc.reasoning, acc.content, acc.refusal], ["think", "answer", "no"]);
});

Deno.test("textDeltas yields only non-empty text", async () => {
  async function* source() {
    yield chunk({ role: "assistant", content: "" });
    yield chunk({ content: "a" });
    yield chunk(frag(0, "c", "f", "{}"));
    yield chunk({ content: "b" }, "stop");
  }
  const out: string[] = [];
  for await (const t of textDeltas(source())) out.push(t);
  assertEquals(out, ["a", "b"]);
});
