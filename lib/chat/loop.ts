/**
 * The action loop of one turn, shared by the chat UI and `/v1/chat/completions`: stream a
 * reply; run the actions it calls (concurrently, each in its sandbox); hand the results back;
 * let the model go on — until it answers without calling an action, the round bound is hit,
 * or the turn is stopped.
 * @module
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { completionChunks } from "../llm/complete.ts";
import type { CompletionUsage } from "openai/resources/completions";
import { isStreamFailure, LlmError, toLlmError } from "../llm/errors.ts";
import { type Accumulated, addChunk, newAccumulator } from "../llm/stream.ts";
import { type Tool, toolId } from "../tools/tool.ts";
import type { ActionCall } from "../tools/call.ts";
import type { RoundRecord } from "./action_types.ts";
import { actionPrompt, requestMode, type TurnMode } from "./action_prompt.ts";
import { dispatchCall, type DispatchDeps, missingOwner } from "../tools/dispatch.ts";
import { roundMessages } from "./history.ts";
import { createTagParser, parseActionArgs } from "./tag_parser.ts";
import { parseToolName } from "../tools/openai.ts";

/** The parameters of one round's request. */
export type RoundParams = Record<string, unknown> & {
  model: string;
  messages: ChatCompletionMessageParam[];
};

/** Streams one completion (the caller supplies client, key and errors mapping). */
export type StreamFn = (
  params: RoundParams,
  signal: AbortSignal,
) => AsyncIterable<ChatCompletionChunk>;

/** Asks for one completion without streaming (for upstreams that cannot stream tool calls). */
export type CompleteFn = (params: RoundParams, signal: AbortSignal) => Promise<ChatCompletion>;

/** What the loop needs. */
export interface LoopOptions {
  model: string;
  /**
   * The conversation so far (system prompt and history), without the action instructions, as
   * a request in `mode` replays it: a fallback to tags needs past native rounds as tags.
   */
  messages(mode: "tags" | "native"): ChatCompletionMessageParam[];
  /** The turn's tools (from its tool session). */
  tools: readonly Tool[];
  /** How actions are offered for this turn. */
  mode: TurnMode;
  /**
   * How many rounds of action results go back to the model in one turn. Calls in a reply
   * after that many rounds are not run; the turn ends with a notice.
   */
  maxRounds: number;
  stream: StreamFn;
  /**
   * Asks without streaming. With it, a round with tools whose stream fails (a 5xx, a malformed
   * or cut-off stream) before anything of it was shown is asked again without streaming; so are
   * the rounds with tools after it, and all of them when `streamTools` is false.
   */
  complete?: CompleteFn;
  /** False when this model's upstream is known not to stream tool calls (default true). */
  streamTools?: boolean;
  /**
   * A round with tools failed streamed and then succeeded without streaming: remember it for
   * the model (the loop waits for a returned promise, as for `onNativeUnsupported`).
   */
  onStreamToolsUnsupported?(): void | Promise<void>;
  /** Dispatch settings: how to run, approve and report calls. */
  dispatch: Omit<DispatchDeps, "tools">;
  signal: AbortSignal;
  /** Extra request parameters passed through (temperature, …). */
  extra?: Record<string, unknown>;
  /** Visible text as it arrives (tags removed). */
  onText(text: string): void;
  /**
   * Every chunk of every round as it arrives, before its text goes to `onText`: for what the
   * loop does not use itself (log probabilities, reasoning, the system fingerprint).
   */
  onChunk?(chunk: ChatCompletionChunk): void;
  /**
   * In auto mode: the upstream rejected the request with tools, and the same request in tags
   * mode then succeeded (a request rejected both ways is a bad request, not missing tools).
   * The loop waits for a returned promise, so a caller can have it saved before the turn ends.
   */
  onNativeUnsupported?(): void | Promise<void>;
}

/** What a finished (or stopped, or failed) loop leaves behind. */
export interface LoopResult {
  rounds: RoundRecord[];
  calls: ActionCall[];
  /** The visible text of the whole turn. */
  text: string;
  /** The mode actually used. */
  mode: "tags" | "native";
  finishReason: string | null;
  usage: CompletionUsage | null;
  /** True when the round bound ended the turn (the last reply's calls were not run). */
  hitRoundLimit: boolean;
  /** Set when the turn ended with an error (the partial state above is still valid). */
  error?: LlmError;
}

/**
 * Runs the loop. Never throws: a failure ends the loop with `error` set, keeping everything
 * produced so far.
 */
export async function runActionLoop(opts: LoopOptions): Promise<LoopResult> {
  const hasActions = opts.tools.length > 0;
  let mode: "tags" | "native" = hasActions ? requestMode(opts.mode) : "tags";
  /** Set while the tags retry of auto mode has not succeeded yet. */
  let fallingBack = false;
  /** Rounds with tools are asked without streaming (known, or learnt in this turn). */
  let unstreamed = opts.streamTools === false;
  /** Set while the unstreamed retry of a round has not succeeded yet. */
  let retryingUnstreamed = false;
  const result: LoopResult = {
    rounds: [],
    calls: [],
    text: "",
    mode,
    finishReason: null,
    usage: null,
    hitRoundLimit: false,
  };
  const history: ChatCompletionMessageParam[] = [];
  const emit = (text: string) => {
    if (!text) return;
    result.text += text;
    opts.onText(text);
  };
  const deps: DispatchDeps = { ...opts.dispatch, tools: opts.tools };
  const base = new Map<"tags" | "native", ChatCompletionMessageParam[]>();
  const baseMessages = (m: "tags" | "native") => {
    if (!base.has(m)) base.set(m, opts.messages(m));
    return base.get(m)!;
  };

  for (let round = 0;; round++) {
    // Past the bound, the model has had its rounds of results: what it calls now is not run.
    const overBound = round >= opts.maxRounds;
    const roundStartText = result.text.length;
    // Separate the text of consecutive rounds.
    let needsBreak = round > 0 && result.text.length > 0 && !result.text.endsWith("\n\n");
    const emitText = (text: string) => {
      if (!text) return;
      if (needsBreak) {
        emit(result.text.endsWith("\n") ? "\n" : "\n\n");
        needsBreak = false;
      }
      emit(text);
    };
    const calls: ActionCall[] = [];
    const running: Promise<void>[] = [];
    const start = (call: ActionCall, args: Parameters<typeof dispatchCall>[1]) => {
      calls.push(call);
      result.calls.push(call);
      if (overBound) return notRun(call, args, opts.maxRounds, opts.dispatch.update);
      opts.dispatch.update(call);
      running.push(dispatchCall(call, args, deps, opts.signal));
    };
    const newCall = (name: string, callMode: "tags" | "native", id?: string): ActionCall => ({
      id: uniqueCallId(id ?? `act_${result.calls.length + 1}`, result.calls),
      name,
      args: undefined,
      status: "pending",
      offset: result.text.length,
      round,
      mode: callMode,
    });

    const acc = newAccumulator();
    try {
      const request = buildRequest(opts, mode, baseMessages(mode), history);
      const parser = createTagParser();
      const handle = (events: ReturnType<typeof parser.push>) => {
        for (const ev of events) {
          if (ev.type === "text") emitText(ev.text);
          else if (ev.type === "action") {
            const call = newCall(ev.name, "tags");
            call.args = ev.argsText;
            start(call, ev.error ? { ok: false, error: ev.error } : parseActionArgs(ev.argsText));
          }
        }
      };
      // Tags are parsed in every mode, even with no tools: a model may write one anyway, and
      // left in the text it would show as bare JSON (the sanitiser drops the unknown element).
      const withTools = "tools" in request;
      const chunks = withTools && unstreamed && opts.complete
        ? unstreamedChunks(opts.complete, request, opts.signal)
        : opts.stream(request, opts.signal);
      for await (const chunk of chunks) {
        addChunk(acc, chunk);
        checkReplySize(acc);
        opts.onChunk?.(chunk);
        const text = chunk.choices?.[0]?.delta?.content;
        if (text) handle(parser.push(text));
      }
      handle(parser.end());
      for (const tc of acc.toolCalls) {
        const ref = parseToolName(tc.name, opts.tools);
        const call = newCall(
          ref ? toolId({ owner: ref.owner, spec: ref }) : tc.name,
          "native",
          tc.id,
        );
        call.args = tc.arguments;
        start(
          call,
          ref ? parseActionArgs(tc.arguments) : { ok: false, error: `unknown tool "${tc.name}"` },
        );
      }
    } catch (e) {
      const error = toLlmError(e);
      const nothingYet = result.text.length === roundStartText && calls.length === 0;
      if (
        mode === "native" && hasActions && !unstreamed && opts.complete && nothingYet &&
        isStreamFailure(error)
      ) {
        // Perhaps the upstream cannot stream tool calls: ask for the same round whole. Only
        // if that succeeds is it remembered for this model.
        unstreamed = true;
        retryingUnstreamed = true;
        round--;
        continue;
      }
      if (
        opts.mode === "auto" && mode === "native" && round === 0 && nothingYet &&
        error.kind === "bad_request" && isAboutTools(error)
      ) {
        // Perhaps the upstream does not take tools: try the same request with tags. Only if
        // that succeeds is it remembered for this model.
        mode = "tags";
        result.mode = mode;
        fallingBack = true;
        round--;
        continue;
      }
      await Promise.all(running);
      result.rounds.push({ raw: acc.content, calls: calls.map((c) => c.id) });
      result.error = error;
      return result;
    }
    if (fallingBack) {
      fallingBack = false;
      await opts.onNativeUnsupported?.();
    }
    if (retryingUnstreamed) {
      retryingUnstreamed = false;
      await opts.onStreamToolsUnsupported?.();
    }
    result.finishReason = acc.finishReason;
    if (acc.usage) result.usage = addUsage(result.usage, acc.usage);
    await Promise.all(running);
    const record: RoundRecord = { raw: acc.content, calls: calls.map((c) => c.id) };
    result.rounds.push(record);
    if (calls.length === 0) return result;
    if (opts.signal.aborted) {
      result.error = new LlmError("aborted", "The request was cancelled.");
      return result;
    }
    const missing = missingOwners(calls, opts.tools);
    if (missing) {
      // Nothing the model can do in another round installs a plugin: say so once and stop.
      emitText(`${result.text ? "\n\n" : ""}_${missingOwnerNotice(missing)}_`);
      return result;
    }
    if (overBound) {
      result.hitRoundLimit = true;
      emitText(`\n\n_${roundLimitNotice(opts.maxRounds)}_`);
      return result;
    }
    history.push(...roundMessages(record, calls, mode));
  }
}

/**
 * The most characters one reply (a round: text, reasoning and tool calls together) may hold.
 * Far above any model's output limit; it keeps an upstream that never stops from filling
 * memory and the database. Rounds are bounded too, so a turn is.
 */
export const MAX_REPLY_CHARS = 4 * 1024 * 1024;

/** Ends the round with a clear error once the reply passes {@linkcode MAX_REPLY_CHARS}. */
function checkReplySize(acc: Accumulated): void {
  let size = acc.content.length + acc.reasoning.length + acc.refusal.length;
  for (const call of acc.toolCalls) size += call.name.length + call.arguments.length;
  if (size > MAX_REPLY_CHARS) {
    throw new LlmError(
      "protocol",
      `The model's reply passed ${MAX_REPLY_CHARS.toLocaleString("en")} characters, the most ` +
        "rungpt keeps of one reply; it was stopped there.",
    );
  }
}

/**
 * `wanted`, or a variant of it that no earlier call of the turn has. Cards, approvals and the
 * replay of rounds find a call by its id, but servers that send no ids (each round's first call
 * is then `call_0`) or number them per reply repeat them from round to round.
 */
function uniqueCallId(wanted: string, earlier: readonly ActionCall[]): string {
  const taken = new Set(earlier.map((c) => c.id));
  let id = wanted;
  for (let n = 2; taken.has(id); n++) id = `${wanted}_${n}`;
  return id;
}

/** The owners a round's calls named, when every call named an owner that is not there. */
function missingOwners(calls: readonly ActionCall[], tools: readonly Tool[]): string[] | null {
  const owners = calls.map((c) => missingOwner(c.name, tools));
  if (owners.some((o) => o === null)) return null;
  return [...new Set(owners as string[])];
}

/**
 * The notice that ends a turn whose calls all named plugins that are not installed, with a link
 * to the Plugins page.
 *
 * @example
 * ```ts
 * missingOwnerNotice(["weather"]);
 * // 'No plugin named "weather" is installed, so its actions were not run. Install or turn it on in [Plugins](/plugins).'
 * ```
 */
export function missingOwnerNotice(owners: readonly string[]): string {
  const names = owners.map((o) => `"${o}"`).join(owners.length === 2 ? " or " : ", ");
  const plural = owners.length > 1;
  return `No ${plural ? "plugins" : "plugin"} named ${names} ${
    plural ? "are" : "is"
  } installed, so ${plural ? "their" : "its"} actions were not run. Install or turn ${
    plural ? "them" : "it"
  } on in [Plugins](/plugins).`;
}

/**
 * True when a refusal is about tools (`tools`, `tool_choice`, `functions` in the upstream's
 * message, parameter or code): only then is auto mode's retry with tags worth a request. A
 * context-length error or a bad parameter would fail the same way again.
 */
export function isAboutTools(error: LlmError): boolean {
  const said = [error.message, error.param ?? "", error.code ?? ""].join(" ");
  return /\btools?\b|tool[_ ]choice|tool[_ ]calls?|\bfunctions?\b|function[_ ]call/i.test(said);
}

/** The answer of a request without streaming, as the chunks the loop reads. */
async function* unstreamedChunks(
  complete: CompleteFn,
  request: RoundParams,
  signal: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  // stream_options is refused without streaming; the whole answer carries usage anyway.
  const { stream_options: _, stream: __, ...params } = request;
  yield* completionChunks(await complete(params as RoundParams, signal));
}

/** The notice that ends a turn at the round bound. */
export function roundLimitNotice(maxRounds: number): string {
  return `rungpt stopped this turn: the model had the results of ${maxRounds} ${
    maxRounds === 1 ? "round" : "rounds"
  } of actions, the limit per turn, and the actions it called after that were not run.`;
}

/** Ends a call made past the round bound without running it; its card says why. */
function notRun(
  call: ActionCall,
  args: Parameters<typeof dispatchCall>[1],
  maxRounds: number,
  update: (call: ActionCall) => void,
): void {
  if (args.ok) call.args = args.value;
  call.status = "cancelled";
  call.error = `not run: this turn reached its limit of ${maxRounds} ${
    maxRounds === 1 ? "round" : "rounds"
  } of actions`;
  call.endedAt = Date.now();
  update(call);
}

function buildRequest(
  opts: LoopOptions,
  mode: "tags" | "native",
  base: ChatCompletionMessageParam[],
  history: ChatCompletionMessageParam[],
) {
  const messages: ChatCompletionMessageParam[] = [];
  // Tags mode explains the syntax and lists the actions; native mode's tools carry them.
  const prompt = actionPrompt(opts.tools, mode);
  if (prompt.text) messages.push({ role: "system", content: prompt.text });
  messages.push(...base, ...history);
  return {
    ...opts.extra,
    model: opts.model,
    messages,
    ...(prompt.tools.length ? { tools: prompt.tools } : {}),
  };
}

function addUsage(a: CompletionUsage | null, b: CompletionUsage): CompletionUsage {
  if (!a) return { ...b };
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}
