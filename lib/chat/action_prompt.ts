/**
 * What a turn sends the model about the enabled actions, in one place for the request and for
 * the Actions panel: the mode the next turn starts in, the system message, the tools (native
 * mode), and the token count of all of it.
 * @module
 */
import type { ChatCompletionTool } from "openai/resources/chat/completions";
import type { ActionSettings } from "../store/settings.ts";
import { buildActionSystemMessage, countTokens } from "./system_message.ts";
import type { DescribedTool } from "../tools/tool.ts";
import { toOpenAITools } from "../tools/openai.ts";

/** How a turn offers actions: `auto` is native with a fallback to tags. */
export type TurnMode = "tags" | "native" | "auto";

/** What one request carries about the actions. */
export interface ActionPrompt {
  /** How the actions are offered in this request. */
  mode: "tags" | "native";
  /** The system message describing them; `""` when there are no actions. */
  text: string;
  /** The tools, in native mode; none in tags mode. */
  tools: ChatCompletionTool[];
}

/**
 * The mode a turn for `model` starts in: the setting, except that auto mode uses tags for a
 * model whose server is remembered to reject tools.
 *
 * @example
 * ```ts
 * turnMode({ mode: "auto", nativeToolsUnsupported: ["llama3"] }, "llama3"); // "tags"
 * ```
 */
export function turnMode(
  settings: Pick<ActionSettings, "mode" | "nativeToolsUnsupported">,
  model: string | null,
): TurnMode {
  if (settings.mode !== "auto") return settings.mode;
  return model !== null && settings.nativeToolsUnsupported.includes(model) ? "tags" : "auto";
}

/** The mode a request is sent in when a turn is in `mode` (auto tries native first). */
export function requestMode(mode: TurnMode): "tags" | "native" {
  return mode === "tags" ? "tags" : "native";
}

/**
 * The system message and tools for `actions` in `mode`.
 *
 * @example
 * ```ts
 * const { text, tools } = actionPrompt(actions, "native");
 * ```
 */
export function actionPrompt(
  actions: readonly DescribedTool[],
  mode: "tags" | "native",
): ActionPrompt {
  return {
    mode,
    text: buildActionSystemMessage(actions, mode),
    tools: mode === "native" && actions.length ? toOpenAITools(actions) : [],
  };
}

/**
 * The tokens of what the prompt adds to a request: the system message and, in native mode,
 * the tool definitions as sent (JSON).
 *
 * @example
 * ```ts
 * await promptTokens(actionPrompt(actions, "native"));
 * ```
 */
export async function promptTokens(prompt: ActionPrompt): Promise<number> {
  const tools = prompt.tools.length ? await countTokens(JSON.stringify(prompt.tools)) : 0;
  return await countTokens(prompt.text) + tools;
}
