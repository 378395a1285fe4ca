/**
 * A Responses API request (`POST /v1/responses`) and its translation to a Chat Completions
 * request, for upstreams that only speak Chat Completions. rungpt keeps no responses, so what
 * needs stored state (`previous_response_id`, `conversation`, item references, `background`)
 * and OpenAI's built-in tools (web search, file search, …) are refused with a 400 that says so.
 * @module
 */
import type {
  ChatCompletionContentPart,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from "openai/resources/chat/completions";
import { z } from "zod";
import type { CompletionRequest } from "../chat/completions.ts";
import { LlmError } from "../llm/errors.ts";

/** The request body: the fields rungpt reads, everything else kept for a relay. */
export const responsesRequest = z.looseObject({
  model: z.string().min(1).max(200).optional(),
  input: z.union([z.string(), z.array(z.looseObject({}))]).optional(),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  previous_response_id: z.string().nullish(),
});

/** A validated Responses request. */
export type ResponsesRequest = z.infer<typeof responsesRequest>;

/**
 * Refuses what a stateless gateway cannot answer, whichever way the request goes on: rungpt
 * does not keep responses, so it cannot resume one.
 *
 * @throws {LlmError} `bad_request` naming the field.
 */
export function checkStateless(body: ResponsesRequest): void {
  if (body.previous_response_id) {
    throw badRequest(
      "previous_response_id: rungpt does not store responses, so it cannot continue one. " +
        "Send the earlier turns in `input` instead (and `store: false`).",
      "previous_response_id",
    );
  }
  for (const field of ["conversation", "background", "prompt"] as const) {
    const value = (body as Record<string, unknown>)[field];
    if (value !== undefined && value !== null && value !== false) {
      throw badRequest(
        `${field}: not supported by rungpt, which keeps no responses, conversations or prompts.`,
        field,
      );
    }
  }
}

/** Request fields translated one to one (or dropped as meaningless without storage). */
const RENAMED: Record<string, string> = {
  max_output_tokens: "max_tokens",
  top_logprobs: "top_logprobs",
  temperature: "temperature",
  top_p: "top_p",
  parallel_tool_calls: "parallel_tool_calls",
  user: "user",
  safety_identifier: "safety_identifier",
  prompt_cache_key: "prompt_cache_key",
  service_tier: "service_tier",
  seed: "seed",
  stop: "stop",
  frequency_penalty: "frequency_penalty",
  presence_penalty: "presence_penalty",
};

/** Fields that only matter to a server that stores responses, or that translation handles. */
const HANDLED = new Set([
  "model",
  "input",
  "instructions",
  "stream",
  "tools",
  "tool_choice",
  "text",
  "reasoning",
  "include",
  "store",
  "metadata",
  "truncation",
  "stream_options",
  "previous_response_id",
  "conversation",
  "background",
  "prompt",
]);

/**
 * The Chat Completions request that asks the same as `body`.
 *
 * @throws {LlmError} `bad_request` naming the input item or tool that has no translation.
 *
 * @example
 * ```ts
 * toChatRequest({ model: "m", input: "Hi", instructions: "Be brief." });
 * // { model: "m", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] }
 * ```
 */
export function toChatRequest(body: ResponsesRequest): CompletionRequest {
  checkStateless(body);
  const messages: ChatCompletionMessageParam[] = [];
  if (body.instructions) messages.push({ role: "system", content: body.instructions });
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else (body.input ?? []).forEach((item, i) => addItem(messages, item, i));
  if (messages.length === 0) throw badRequest("input: must not be empty", "input");
  const chat: Record<string, unknown> = { messages };
  if (body.model) chat.model = body.model;
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue;
    if (key in RENAMED) chat[RENAMED[key]] = value;
    else if (!HANDLED.has(key)) {
      throw badRequest(`${key}: rungpt cannot translate this field to Chat Completions.`, key);
    }
  }
  if (body.stream) {
    chat.stream = true;
    // Usage arrives in a stream only when asked for; response.completed carries it.
    chat.stream_options = { include_usage: true };
  }
  if (body.tools?.length) chat.tools = body.tools.map(chatTool);
  const toolChoice = chatToolChoice((body as Record<string, unknown>).tool_choice);
  if (toolChoice !== undefined) chat.tool_choice = toolChoice;
  Object.assign(chat, textFormat((body as Record<string, unknown>).text));
  const effort = ((body as Record<string, unknown>).reasoning as { effort?: unknown } | null)
    ?.effort;
  if (typeof effort === "string") chat.reasoning_effort = effort;
  const include = (body as Record<string, unknown>).include;
  const logprobs = Array.isArray(include) && include.includes("message.output_text.logprobs");
  if (logprobs || chat.top_logprobs !== undefined) chat.logprobs = true;
  return chat as CompletionRequest;
}

type Item = Record<string, unknown>;

function addItem(messages: ChatCompletionMessageParam[], item: Item, i: number): void {
  const type = item.type ?? "message";
  const where = `input[${i}]`;
  if (type === "message") return void messages.push(message(item, where));
  if (type === "function_call") {
    const call: ChatCompletionMessageToolCall = {
      id: text(item.call_id, `${where}.call_id`),
      type: "function",
      function: { name: text(item.name, `${where}.name`), arguments: String(item.arguments ?? "") },
    };
    // Calls of one reply share an assistant message, after its text if it had any.
    const last = messages.at(-1);
    if (last?.role === "assistant") (last.tool_calls ??= []).push(call);
    else messages.push({ role: "assistant", content: null, tool_calls: [call] });
    return;
  }
  if (type === "function_call_output") {
    return void messages.push({
      role: "tool",
      tool_call_id: text(item.call_id, `${where}.call_id`),
      content: typeof item.output === "string" ? item.output : partsText(item.output, where),
    });
  }
  // A model's reasoning from an earlier turn: Chat Completions has no place to send it back.
  if (type === "reasoning") return;
  throw badRequest(
    `${where}: input items of type "${type}" are not supported when rungpt translates to ` +
      "Chat Completions (supported: message, function_call, function_call_output, reasoning).",
    where,
  );
}

function message(item: Item, where: string): ChatCompletionMessageParam {
  const role = item.role;
  const content = item.content;
  if (role === "assistant") {
    return { role, content: typeof content === "string" ? content : partsText(content, where) };
  }
  if (role !== "user" && role !== "system" && role !== "developer") {
    throw badRequest(`${where}.role: unknown role ${JSON.stringify(role)}`, where);
  }
  if (typeof content === "string") return { role, content } as ChatCompletionMessageParam;
  if (!Array.isArray(content)) throw badRequest(`${where}.content: missing`, where);
  if (role !== "user") return { role, content: partsText(content, where) };
  return { role, content: content.map((p, j) => userPart(p, `${where}.content[${j}]`)) };
}

function userPart(part: Item, where: string): ChatCompletionContentPart {
  if (part.type === "input_text") return { type: "text", text: text(part.text, where) };
  if (part.type === "input_image" && typeof part.image_url === "string") {
    const detail = part.detail as "auto" | "low" | "high" | undefined;
    return { type: "image_url", image_url: { url: part.image_url, ...(detail ? { detail } : {}) } };
  }
  throw badRequest(
    `${where}: content parts of type "${part.type}" are not supported when rungpt translates ` +
      "to Chat Completions (supported: input_text, input_image with an image_url).",
    where,
  );
}

/** The text of content parts (input_text, output_text, refusal), joined. */
function partsText(parts: unknown, where: string): string {
  if (!Array.isArray(parts)) throw badRequest(`${where}: content must be text or parts`, where);
  return parts.map((p: Item, j) => {
    if (typeof p?.text === "string") return p.text;
    if (typeof p?.refusal === "string") return p.refusal;
    throw badRequest(`${where}[${j}]: only text parts are supported here`, where);
  }).join("");
}

function chatTool(tool: Item, i: number): ChatCompletionFunctionTool {
  if (tool.type !== "function") {
    throw badRequest(
      `tools[${i}]: the built-in tool "${tool.type}" needs OpenAI's own Responses API; this ` +
        "upstream has none, and rungpt translates only function tools.",
      "tools",
    );
  }
  const fn: ChatCompletionFunctionTool["function"] = { name: text(tool.name, `tools[${i}].name`) };
  if (typeof tool.description === "string") fn.description = tool.description;
  if (tool.parameters) fn.parameters = tool.parameters as Record<string, unknown>;
  if (typeof tool.strict === "boolean") fn.strict = tool.strict;
  return { type: "function", function: fn };
}

function chatToolChoice(choice: unknown): unknown {
  if (choice === undefined || choice === null || typeof choice === "string") {
    return choice ?? undefined;
  }
  const c = choice as Item;
  if (c.type === "function") return { type: "function", function: { name: c.name } };
  throw badRequest(`tool_choice: ${JSON.stringify(c.type)} is not supported here`, "tool_choice");
}

/** `text.format` as `response_format`. */
function textFormat(text: unknown): Record<string, unknown> {
  const format = (text as { format?: Item } | undefined)?.format;
  if (!format || format.type === "text") return {};
  if (format.type === "json_object") return { response_format: { type: "json_object" } };
  if (format.type === "json_schema") {
    const { type: _, ...schema } = format;
    return { response_format: { type: "json_schema", json_schema: schema } };
  }
  throw badRequest(`text.format: unknown type ${JSON.stringify(format.type)}`, "text");
}

function text(value: unknown, where: string): string {
  if (typeof value !== "string") throw badRequest(`${where}: must be a string`, where);
  return value;
}

function badRequest(message: string, param: string): LlmError {
  return new LlmError("bad_request", message, { status: 400, code: "invalid_value", param });
}
