/**
 * Running one tool call the model made: find the tool, check its arguments against the
 * schema, get approval when needed, run it at its source, and turn every failure into an
 * error result the model can read — the turn always goes on.
 * @module
 */
import type { ActionCall, ApprovalDecision } from "./call.ts";
import { toolName } from "./openai.ts";
import { splitToolId, type Tool, toolId } from "./tool.ts";
import { formatArgErrors, validateArgs } from "../plugins/validate_args.ts";

/** Who decides whether an action may run without asking. */
export interface ApprovalPolicy {
  /** "ask first" for every action. */
  askAlways: boolean;
  /** Action ids allowed in advance ("Always allow"). */
  alwaysAllowed: ReadonlySet<string>;
}

/** What dispatching needs. */
export interface DispatchDeps {
  /** The tools of this turn. */
  tools: readonly Tool[];
  /** Runs the tool with this id; throws with a clear message on failure. */
  run(id: string, input: string, signal: AbortSignal): Promise<string>;
  policy: ApprovalPolicy;
  /**
   * Asks the user; absent for API clients, where an action that needs approval is denied
   * unless allowed in advance.
   */
  ask?: (call: ActionCall, signal: AbortSignal) => Promise<ApprovalDecision>;
  /** Records "Always allow". */
  allowAlways?: (actionId: string) => Promise<void>;
  /** Reports a failure that does not end the call (saving "Always allow"). */
  onError?: (error: unknown) => void;
  /** Called whenever the call's state changes (cards). */
  update(call: ActionCall): void;
  /** Largest result passed back to the model, in characters. */
  maxResultChars?: number;
}

const DEFAULT_MAX_RESULT = 32_000;

/**
 * The owner a call names when no tool of that owner is in `tools` (no such plugin is
 * installed, or it is turned off), else `null`: a call of an unknown action of a present owner
 * is a typo the model can fix; a missing owner is not.
 *
 * @example
 * ```ts
 * missingOwner("weather.forecast", []); // "weather"
 * ```
 */
export function missingOwner(name: string, tools: readonly Tool[]): string | null {
  const ref = splitToolId(name);
  if (!ref || !ref.owner) return null;
  return tools.some((t) => t.owner === ref.owner) ? null : ref.owner;
}

/** Does this tool need the user's approval before it runs? */
export function needsApproval(tool: Tool, policy: ApprovalPolicy): boolean {
  if (policy.alwaysAllowed.has(toolId(tool))) return false;
  return policy.askAlways || tool.spec.confirm;
}

/**
 * Runs `call` (mutating it through its states) and resolves when it has ended. Never throws:
 * the outcome is in `call.status`, `call.result` and `call.error`.
 *
 * @example
 * ```ts
 * await dispatchCall(call, parsedArgsOrError, deps, signal);
 * ```
 */
export async function dispatchCall(
  call: ActionCall,
  args: { ok: true; value: Record<string, unknown> } | { ok: false; error: string },
  deps: DispatchDeps,
  signal: AbortSignal,
): Promise<void> {
  const fail = (status: "error" | "denied" | "cancelled", error: string) => {
    call.status = status;
    call.error = error;
    call.endedAt = Date.now();
    deps.update(call);
  };
  const tool = deps.tools.find((t) => toolId(t) === call.name);
  if (!tool) {
    // Name them as the model calls them: function names in native mode.
    const native = call.mode === "native";
    const known = deps.tools.map((t) => native ? toolName(t.owner, t.spec.name) : toolId(t))
      .join(", ") || "none";
    const owner = missingOwner(call.name, deps.tools);
    return fail(
      "error",
      owner === null
        ? `unknown action "${call.name}". Available ${native ? "tools" : "actions"}: ${known}.`
        : `no plugin named "${owner}" is installed (or it is turned off), so "${call.name}" cannot run. Available ${
          native ? "tools" : "actions"
        }: ${known}.`,
    );
  }
  call.access = tool.access;
  if (tool.timeoutMs !== undefined) call.timeoutMs = tool.timeoutMs;
  if (!args.ok) return fail("error", args.error);
  call.args = args.value;
  const problems = formatArgErrors(validateArgs(tool.spec.parameters, args.value));
  if (problems) return fail("error", problems);

  if (needsApproval(tool, deps.policy)) {
    if (!deps.ask) {
      return fail(
        "denied",
        `${call.name} needs the user's approval, which this API cannot ask for. The user can allow it in advance in rungpt's settings.`,
      );
    }
    call.status = "awaiting_approval";
    deps.update(call);
    let decision: ApprovalDecision;
    try {
      decision = await deps.ask(call, signal);
    } catch {
      return fail("cancelled", "the turn was stopped before the user answered");
    }
    if (decision === "deny") return fail("denied", "the user denied this action");
    if (decision === "always") await rememberAllowed(call.name, deps);
  }
  if (signal.aborted) return fail("cancelled", "the turn was stopped");

  call.status = "running";
  call.startedAt = Date.now();
  deps.update(call);
  try {
    const output = await deps.run(call.name, JSON.stringify(args.value), signal);
    const max = deps.maxResultChars ?? DEFAULT_MAX_RESULT;
    call.result = output.length > max
      ? `${output.slice(0, max)}\n[… ${output.length - max} more characters cut]`
      : output;
    call.status = "done";
    call.endedAt = Date.now();
    deps.update(call);
  } catch (e) {
    if (signal.aborted) return fail("cancelled", "the turn was stopped");
    fail("error", e instanceof Error ? e.message : String(e));
  }
}

/**
 * Saves "Always allow"; if that fails the call still runs (the choice then holds for this
 * turn only, see `turns.ts`).
 */
async function rememberAllowed(actionId: string, deps: DispatchDeps): Promise<void> {
  try {
    await deps.allowAlways?.(actionId);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    deps.onError?.(
      new Error(
        `"Always allow" for ${actionId} was not saved, so it holds for this turn only: ${why}`,
      ),
    );
  }
}

/** The text the model gets back for a finished call. */
export function resultText(call: ActionCall): string {
  if (call.status === "done") return call.result ?? "";
  return `Error: ${call.error ?? call.status}`;
}
