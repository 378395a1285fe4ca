/**
 * Chat Completions chunks as Responses API stream events: `response.created`, then per output
 * item `response.output_item.added`, its deltas (`response.output_text.delta`,
 * `response.function_call_arguments.delta`, `response.reasoning_text.delta`) and `….done`
 * events, and `response.completed` (or `response.incomplete`, or `error` and
 * `response.failed`) with the whole response. Each event is an SSE block with `event:` and
 * `data:` lines and a rising `sequence_number`, as OpenAI sends them.
 * @module
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { ApiErrorBody } from "../chat/api_error.ts";
import {
  functionCallItem,
  type Logprob,
  messageItem,
  newId,
  type OutputItem,
  reasoningItem,
  type ResponseMeta,
  responseObject,
  statusOf,
} from "./responses_object.ts";

/** The item being streamed, with what it has said so far. */
interface OpenItem {
  kind: "reasoning" | "message" | "function_call";
  id: string;
  index: number;
  text: string;
  logprobs: Logprob[];
  /** For function calls: the chat tool call's index, id and name. */
  call?: { index: number; id: string; name: string };
}

/**
 * Turns one choice's chunks into Responses events; the caller writes the blocks it returns.
 *
 * @example
 * ```ts
 * const writer = new ResponsesStreamWriter(meta);
 * let out = writer.start();
 * for (const chunk of chunks) out += writer.chunk(chunk);
 * out += writer.finish();
 * ```
 */
export class ResponsesStreamWriter {
  #meta: ResponseMeta;
  #sequence = 0;
  #output: OutputItem[] = [];
  #open: OpenItem | null = null;
  #finishReason: string | null = null;
  #usage: CompletionUsage | null = null;

  constructor(meta: ResponseMeta) {
    this.#meta = meta;
  }

  /** `response.created` and `response.in_progress`. */
  start(): string {
    const response = responseObject(this.#meta, { status: "in_progress", output: [] });
    return this.#event("response.created", { response }) +
      this.#event("response.in_progress", { response });
  }

  /** The events one chat chunk stands for. */
  chunk(chunk: ChatCompletionChunk): string {
    if (chunk.usage) this.#usage = chunk.usage;
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    if (!choice) return "";
    const delta = (choice.delta ?? {}) as ChatCompletionChunk.Choice.Delta & {
      reasoning_content?: string | null;
      reasoning?: string | null;
    };
    let out = "";
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === "string" && reasoning) out += this.#reasoning(reasoning);
    const text = delta.content || delta.refusal;
    if (text) out += this.#text(text, (choice.logprobs?.content ?? []) as unknown as Logprob[]);
    for (const fragment of delta.tool_calls ?? []) out += this.#toolFragment(fragment);
    if (choice.finish_reason) this.#finishReason = choice.finish_reason;
    return out;
  }

  /** Closes the open item and ends with the whole response. */
  finish(): string {
    const out = this.#close();
    const status = statusOf(this.#finishReason);
    const response = responseObject(this.#meta, {
      status,
      output: this.#output,
      finishReason: this.#finishReason,
      usage: this.#usage,
    });
    return out + this.#event(`response.${status}`, { response });
  }

  /** Ends with an error after the stream started: `error`, then `response.failed`. */
  fail(error: ApiErrorBody): string {
    const out = this.#close();
    const response = responseObject(this.#meta, {
      status: "failed",
      output: this.#output,
      usage: this.#usage,
      error: { code: error.code, message: error.message },
    });
    return out +
      this.#event("error", { code: error.code, message: error.message, param: error.param }) +
      this.#event("response.failed", { response });
  }

  #reasoning(text: string): string {
    let out = "";
    if (this.#open?.kind !== "reasoning") out += this.#openItem("reasoning");
    const item = this.#open!;
    item.text += text;
    return out + this.#event("response.reasoning_text.delta", {
      item_id: item.id,
      output_index: item.index,
      content_index: 0,
      delta: text,
    });
  }

  #text(text: string, logprobs: Logprob[]): string {
    let out = "";
    if (this.#open?.kind !== "message") {
      out += this.#openItem("message");
      out += this.#event("response.content_part.added", {
        ...this.#where(),
        part: { type: "output_text", text: "", annotations: [], logprobs: [] },
      });
    }
    const item = this.#open!;
    item.text += text;
    item.logprobs.push(...logprobs);
    return out + this.#event("response.output_text.delta", {
      ...this.#where(),
      delta: text,
      logprobs,
    });
  }

  #toolFragment(fragment: ChatCompletionChunk.Choice.Delta.ToolCall): string {
    const index = fragment.index ?? 0;
    const open = this.#open;
    const sameCall = open?.kind === "function_call" && open.call!.index === index &&
      (!fragment.id || fragment.id === open.call!.id);
    let out = "";
    if (!sameCall) {
      const call = {
        index,
        id: fragment.id || newId("call"),
        name: fragment.function?.name ?? "",
      };
      out += this.#openItem("function_call", call);
    }
    const item = this.#open!;
    const args = fragment.function?.arguments;
    if (!args) return out;
    item.text += args;
    return out + this.#event("response.function_call_arguments.delta", {
      item_id: item.id,
      output_index: item.index,
      delta: args,
    });
  }

  #openItem(kind: OpenItem["kind"], call?: OpenItem["call"]): string {
    const out = this.#close();
    const prefix = kind === "message" ? "msg" : kind === "reasoning" ? "rs" : "fc";
    const item: OpenItem = {
      kind,
      id: newId(prefix),
      index: this.#output.length,
      text: "",
      logprobs: [],
      call,
    };
    this.#open = item;
    this.#output.push(this.#itemOf(item, "in_progress")); // replaced when it is done
    return out + this.#event("response.output_item.added", {
      output_index: item.index,
      item: this.#itemOf(item, "in_progress"),
    });
  }

  /** The done events of the open item, if any. */
  #close(): string {
    const item = this.#open;
    if (!item) return "";
    this.#open = null;
    const done = this.#itemOf(item, "completed");
    this.#output[item.index] = done;
    let out = "";
    if (item.kind === "message") {
      const part = (done.content as unknown[])[0];
      out += this.#event("response.output_text.done", {
        ...this.#where(item),
        text: item.text,
        logprobs: item.logprobs,
      });
      out += this.#event("response.content_part.done", { ...this.#where(item), part });
    } else if (item.kind === "reasoning") {
      out += this.#event("response.reasoning_text.done", {
        ...this.#where(item),
        text: item.text,
      });
    } else {
      out += this.#event("response.function_call_arguments.done", {
        item_id: item.id,
        output_index: item.index,
        name: item.call!.name,
        arguments: item.text,
      });
    }
    return out + this.#event("response.output_item.done", {
      output_index: item.index,
      item: done,
    });
  }

  #itemOf(item: OpenItem, status: string): OutputItem {
    if (item.kind === "reasoning") return reasoningItem(item.id, item.text);
    if (item.kind === "message") return messageItem(item.id, item.text, item.logprobs, status);
    return functionCallItem(item.id, { ...item.call!, arguments: item.text }, status);
  }

  #where(item = this.#open!) {
    return { item_id: item.id, output_index: item.index, content_index: 0 };
  }

  #event(type: string, fields: Record<string, unknown>): string {
    const data = { type, sequence_number: this.#sequence++, ...fields };
    return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  }
}
