/**
 * What an upstream sends that the action loop does not use but an API client may want:
 * log probabilities (every round's, in order), reasoning text (`reasoning_content` as
 * DeepSeek and vLLM name it, or `reasoning`), and the system fingerprint. `/v1` passes them
 * on as they arrive, or whole in a non-streamed answer.
 * @module
 */
import type {
  ChatCompletionChunk,
  ChatCompletionTokenLogprob,
} from "openai/resources/chat/completions";

/** The reasoning field names servers use, in the order they are looked for. */
type ReasoningField = "reasoning_content" | "reasoning";

/** The extras of one chunk, to pass on at once. */
export interface ChunkExtras {
  /** A delta with the reasoning text under the upstream's own field name. */
  reasoning?: Partial<Record<ReasoningField, string>>;
  logprobs?: ChatCompletionTokenLogprob[];
}

/**
 * Collects the extras of every round.
 *
 * @example
 * ```ts
 * const extras = new LoopExtras();
 * runActionLoop({ ...opts, onChunk: (c) => send(extras.add(c)) });
 * extras.message(); // { reasoning_content: "…" } when the model reasoned
 * ```
 */
export class LoopExtras {
  /** The latest fingerprint seen; rounds may differ, the last one answered. */
  fingerprint: string | null = null;
  #reasoning = "";
  #field: ReasoningField = "reasoning_content";
  #logprobs: ChatCompletionTokenLogprob[] = [];
  #sawLogprobs = false;

  /** Takes one chunk; returns what it carried to pass on. */
  add(chunk: ChatCompletionChunk): ChunkExtras {
    if (chunk.system_fingerprint) this.fingerprint = chunk.system_fingerprint;
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    if (!choice) return {};
    const out: ChunkExtras = {};
    const delta = (choice.delta ?? {}) as Partial<Record<ReasoningField, string | null>>;
    for (const field of ["reasoning_content", "reasoning"] as const) {
      const text = delta[field];
      if (typeof text !== "string" || !text) continue;
      this.#field = field;
      this.#reasoning += text;
      out.reasoning = { [field]: text };
      break;
    }
    const logprobs = choice.logprobs?.content;
    if (Array.isArray(logprobs)) {
      this.#sawLogprobs = true;
      if (logprobs.length) {
        this.#logprobs.push(...logprobs);
        out.logprobs = logprobs;
      }
    }
    return out;
  }

  /** The fields to add to a whole answer's message (the reasoning of every round). */
  message(): Partial<Record<ReasoningField, string>> {
    return this.#reasoning ? { [this.#field]: this.#reasoning } : {};
  }

  /** A whole answer's `logprobs`: every round's tokens, or null when none were sent. */
  logprobs(): { content: ChatCompletionTokenLogprob[]; refusal: null } | null {
    return this.#sawLogprobs ? { content: this.#logprobs, refusal: null } : null;
  }
}
