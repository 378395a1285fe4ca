import assert from "node:assert/strict";
import { LlmError } from "../../../lib/llm/errors.ts";
import { toChatRequest } from "../../../lib/gateway/responses_request.ts";

Deno.test("toChatRequest: items become messages; calls of one reply share a message", () => {
  const chat = toChatRequest({
    model: "m",
    instructions: "Be brief.",
    input: [
      { role: "developer", content: [{ type: "input_text", text: "Use tools." }] },
      {
        role: "user",
        content: [{ type: "input_text", text: "Look" }, {
          type: "input_image",
          image_url: "data:image/png;base64,AAAA",
          detail: "low",
        }],
      },
      { type: "reasoning", id: "rs_1", summary: [] },
      { role: "assistant", content: [{ type: "output_text", text: "On it." }] },
      { type: "function_call", call_id: "c1", name: "a", arguments: "{}" },
      { type: "function_call", call_id: "c2", name: "b", arguments: '{"x":1}' },
      { type: "function_call_output", call_id: "c1", output: "one" },
      {
        type: "function_call_output",
        call_id: "c2",
        output: [{ type: "input_text", text: "two" }],
      },
    ],
    max_output_tokens: 50,
    temperature: 0.2,
    store: false,
  });
  assert.deepEqual(chat, {
    model: "m",
    max_tokens: 50,
    temperature: 0.2,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "developer", content: "Use tools." },
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
        ],
      },
      {
        role: "assistant",
        content: "On it.",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "a", arguments: "{}" } },
          { id: "c2", type: "function", function: { name: "b", arguments: '{"x":1}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "one" },
      { role: "tool", tool_call_id: "c2", content: "two" },
    ],
  });
});

Deno.test("toChatRequest: formats, tool choice, reasoning effort, logprobs and streaming", () => {
  const chat = toChatRequest({
    input: "Hi",
    stream: true,
    tools: [{ type: "function", name: "f", parameters: { type: "object" } }],
    tool_choice: { type: "function", name: "f" },
    text: {
      format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true },
    },
    reasoning: { effort: "low" },
    include: ["message.output_text.logprobs"],
  });
  assert.deepEqual(chat.tools, [{
    type: "function",
    function: { name: "f", parameters: { type: "object" } },
  }]);
  assert.deepEqual(chat.tool_choice, { type: "function", function: { name: "f" } });
  assert.deepEqual(chat.response_format, {
    type: "json_schema",
    json_schema: { name: "out", schema: { type: "object" }, strict: true },
  });
  assert.equal(chat.reasoning_effort, "low");
  assert.equal(chat.logprobs, true);
  assert.equal(chat.stream, true);
  assert.deepEqual(chat.stream_options, { include_usage: true });
  assert.equal(chat.model, undefined, "the default model is the caller's to fill in");
});

Deno.test("toChatRequest: what has no translation is a 400 naming the field", () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ input: "Hi", previous_response_id: "resp_1" }, "previous_response_id"],
    [{ input: "Hi", conversation: "conv_1" }, "conversation"],
    [{ input: "Hi", background: true }, "background"],
    [{ input: "Hi", tools: [{ type: "file_search" }] }, "tools"],
    [{ input: [{ type: "computer_call_output" }] }, "input[0]"],
    [
      { input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] },
      "input[0].content[0]",
    ],
    [{ input: [] }, "input"],
    [{ input: "Hi", some_new_field: 1 }, "some_new_field"],
  ];
  for (const [body, param] of cases) {
    assert.throws(() => toChatRequest(body), (e) => {
      assert.ok(e instanceof LlmError);
      assert.equal(e.status, 400);
      assert.equal(e.param, param, JSON.stringify(body));
      return true;
    });
  }
});
