/**
 * The scripted model's Responses API (`POST /v1/responses`), for tests of an upstream that has
 * it: a scripted reply (text and/or function calls) as OpenAI's `response` object, or as its
 * stream of events. Written from OpenAI's API reference, independently of rungpt's own
 * translation, so the relay is checked against a separate account of the format.
 * @module
 */

/** What the reply says, independent of the format. */
export interface ResponsesPlan {
  model: string;
  /** Text pieces, streamed one delta each. */
  text: string[];
  calls: Array<{ id: string; name: string; arguments: string }>;
  inputTokens: number;
}

/** The whole `response` object. */
export function responseJson(plan: ResponsesPlan, id: string, created: number) {
  return response(plan, id, created, "completed", outputOf(plan, ids(id)));
}

/** The SSE events of a streamed response (one string per event). */
export function responseEvents(plan: ResponsesPlan, id: string, created: number): string[] {
  let seq = 0;
  const ev = (type: string, fields: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`;
  const itemIds = ids(id);
  const done = outputOf(plan, itemIds);
  const events = [
    ev("response.created", { response: response(plan, id, created, "in_progress", []) }),
  ];
  done.forEach((item, output_index) => {
    if (item.type === "message") {
      const where = { item_id: item.id, output_index, content_index: 0 };
      events.push(ev("response.output_item.added", {
        output_index,
        item: { ...item, status: "in_progress", content: [] },
      }));
      events.push(ev("response.content_part.added", {
        ...where,
        part: { type: "output_text", text: "", annotations: [] },
      }));
      for (const delta of plan.text) {
        events.push(ev("response.output_text.delta", { ...where, delta, logprobs: [] }));
      }
      events.push(ev("response.output_text.done", { ...where, text: plan.text.join("") }));
      events.push(ev("response.content_part.done", { ...where, part: item.content[0] }));
    } else {
      events.push(ev("response.output_item.added", {
        output_index,
        item: { ...item, status: "in_progress", arguments: "" },
      }));
      events.push(ev("response.function_call_arguments.delta", {
        item_id: item.id,
        output_index,
        delta: item.arguments,
      }));
      events.push(ev("response.function_call_arguments.done", {
        item_id: item.id,
        output_index,
        arguments: item.arguments,
      }));
    }
    events.push(ev("response.output_item.done", { output_index, item }));
  });
  events.push(
    ev("response.completed", { response: response(plan, id, created, "completed", done) }),
  );
  return events;
}

// deno-lint-ignore no-explicit-any
type Item = any;

function ids(responseId: string) {
  let n = 0;
  return (prefix: string) => `${prefix}_${responseId.slice(5)}_${n++}`;
}

function outputOf(plan: ResponsesPlan, id: (prefix: string) => string): Item[] {
  const out: Item[] = [];
  if (plan.text.length) {
    out.push({
      type: "message",
      id: id("msg"),
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: plan.text.join(""), annotations: [], logprobs: [] }],
    });
  }
  for (const call of plan.calls) {
    out.push({
      type: "function_call",
      id: id("fc"),
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
      status: "completed",
    });
  }
  return out;
}

function response(
  plan: ResponsesPlan,
  id: string,
  created: number,
  status: string,
  output: Item[],
) {
  const outputTokens = plan.text.length + plan.calls.length;
  return {
    id,
    object: "response",
    created_at: created,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    model: plan.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    store: false,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: status === "completed"
      ? {
        input_tokens: plan.inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: plan.inputTokens + outputTokens,
      }
      : null,
    metadata: {},
  };
}
