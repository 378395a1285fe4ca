import assert from "node:assert/strict";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { newMeta } from "../../../lib/gateway/responses_object.ts";
import { ResponsesStreamWriter } from "../../../lib/gateway/responses_stream.ts";

function chunk(delta: Record<string, unknown>, finish: string | null = null): ChatCompletionChunk {
  return {
    id: "c",
    object: "chat.completion.chunk",
    created: 0,
    model: "m",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  } as ChatCompletionChunk;
}

// deno-lint-ignore no-explicit-any
function events(text: string): any[] {
  return text.split("\n\n").filter(Boolean).map((block) => {
    const [event, data] = block.split("\n");
    const parsed = JSON.parse(data.slice(6));
    assert.equal(event, `event: ${parsed.type}`);
    return parsed;
  });
}

Deno.test("ResponsesStreamWriter: reasoning, text and two tool calls as items in order", () => {
  const writer = new ResponsesStreamWriter(newMeta({ input: "x" }, "m"));
  let out = writer.start();
  out += writer.chunk(chunk({ reasoning_content: "Hmm" }));
  out += writer.chunk(chunk({ content: "Calling." }));
  out += writer.chunk(
    chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "a", arguments: "" } }] }),
  );
  out += writer.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }));
  out += writer.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }));
  out += writer.chunk(
    chunk({ tool_calls: [{ index: 1, id: "c2", function: { name: "b", arguments: "{}" } }] }),
  );
  out += writer.chunk(chunk({}, "tool_calls"));
  out += writer.finish();
  const all = events(out);
  assert.deepEqual(all.map((e) => e.sequence_number), all.map((_, i) => i));
  const final = all.at(-1);
  assert.equal(final.type, "response.completed");
  assert.deepEqual(final.response.output.map((i: { type: string }) => i.type), [
    "reasoning",
    "message",
    "function_call",
    "function_call",
  ]);
  const [, message, a, b] = final.response.output;
  assert.equal(message.content[0].text, "Calling.");
  assert.deepEqual([a.call_id, a.name, a.arguments], ["c1", "a", '{"x":1}']);
  assert.deepEqual([b.call_id, b.name, b.arguments], ["c2", "b", "{}"]);
  const argsDone = all.filter((e) => e.type === "response.function_call_arguments.done");
  assert.deepEqual(argsDone.map((e) => e.arguments), ['{"x":1}', "{}"]);
  const added = all.filter((e) => e.type === "response.output_item.added");
  assert.deepEqual(added.map((e) => e.output_index), [0, 1, 2, 3]);
});

Deno.test("ResponsesStreamWriter: a length stop is incomplete; a failure is error + failed", () => {
  const cut = new ResponsesStreamWriter(newMeta({ input: "x" }, "m"));
  const ended = events(cut.start() + cut.chunk(chunk({ content: "Par" }, "length")) + cut.finish());
  const last = ended.at(-1);
  assert.equal(last.type, "response.incomplete");
  assert.deepEqual(last.response.incomplete_details, { reason: "max_output_tokens" });

  const failing = new ResponsesStreamWriter(newMeta({ input: "x" }, "m"));
  const failed = events(
    failing.start() + failing.chunk(chunk({ content: "Part" })) +
      failing.fail({
        message: "slow down",
        type: "rate_limit_error",
        code: "rate_limit",
        param: null,
      }),
  );
  assert.deepEqual(failed.slice(-4).map((e) => e.type), [
    "response.content_part.done",
    "response.output_item.done",
    "error",
    "response.failed",
  ]);
  assert.equal(failed.at(-2).code, "rate_limit");
  assert.deepEqual(failed.at(-1).response.error, { code: "rate_limit", message: "slow down" });
  assert.equal(failed.at(-1).response.output[0].content[0].text, "Part");
});
