/**
 * How a turn with actions is shown to the model: each round's text, its calls and their
 * results, as tag text and result messages (tags mode) or as `tool_calls` and `tool`
 * messages (native mode). Used within a running turn and to rebuild past turns.
 * @module
 */
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ActionCall } from "../tools/call.ts";
import type { RoundRecord } from "./action_types.ts";
import { resultText } from "../tools/dispatch.ts";
import { toolName } from "../tools/openai.ts";

/** Escapes text for an attribute value in a result tag. */
function attr(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/**
 * The message that carries tag-mode results back to the model.
 *
 * @example
 * ```ts
 * resultsMessage([call]); // { role: "user", content: '<action_result name="…">…</action_result>' }
 * ```
 */
export function resultsMessage(calls: ActionCall[]): ChatCompletionMessageParam {
  const blocks = calls.map((c) => {
    const status = c.status === "done" ? "" : ` error="true"`;
    return `<action_result name="${attr(c.name)}"${status}>\n${resultText(c)}\n</action_result>`;
  });
  return {
    role: "user",
    content: `[rungpt: results of the actions you called]\n${blocks.join("\n")}`,
  };
}

/** Writes a call as the tag the model would have written. */
function asTag(call: ActionCall): string {
  const body = call.args === undefined ? "" : JSON.stringify(call.args);
  return `<action name="${call.name}">${body}</action>`;
}

/** The function name the model used: the action's tool name, or its own unknown name. */
function toolCallName(call: ActionCall): string {
  const dot = call.name.indexOf(".");
  if (dot !== -1) {
    try {
      return toolName(call.name.slice(0, dot), call.name.slice(dot + 1));
    } catch { /* not an action id */ }
  }
  return call.name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
}

/**
 * The messages for one round: the model's text with its calls, then their results.
 * A native round is replayed as tags when the current mode is tags.
 */
export function roundMessages(
  round: RoundRecord,
  calls: ActionCall[],
  mode: "tags" | "native",
): ChatCompletionMessageParam[] {
  if (calls.length === 0) return round.raw ? [{ role: "assistant", content: round.raw }] : [];
  const native = calls[0].mode === "native";
  if (native && mode === "native") {
    return [
      {
        role: "assistant",
        content: round.raw || null,
        tool_calls: calls.map((c) => ({
          id: c.id,
          type: "function" as const,
          function: {
            name: toolCallName(c),
            arguments: typeof c.args === "string" ? c.args : JSON.stringify(c.args ?? {}),
          },
        })),
      },
      ...calls.map((c) => ({
        role: "tool" as const,
        tool_call_id: c.id,
        content: resultText(c),
      })),
    ];
  }
  const text = native ? [round.raw, ...calls.map(asTag)].filter(Boolean).join("\n") : round.raw;
  return [{ role: "assistant", content: text }, resultsMessage(calls)];
}

/** All rounds of a finished assistant message. */
export function expandRounds(
  rounds: RoundRecord[],
  calls: ActionCall[],
  mode: "tags" | "native",
): ChatCompletionMessageParam[] {
  const byId = new Map(calls.map((c) => [c.id, c]));
  return rounds.flatMap((round) =>
    roundMessages(
      round,
      round.calls.map((id) => byId.get(id)).filter((c): c is ActionCall => c !== undefined),
      mode,
    )
  );
}
