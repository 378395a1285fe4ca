/**
 * What a new chat shows: a welcome, or, when no model is configured yet, a friendly pointer
 * to Settings instead of an error.
 * @module
 */

/** Props of {@linkcode EmptyState}. */
export interface EmptyStateProps {
  /** No API key and no base URL: nothing to talk to yet. */
  noModel: boolean;
}

/** The empty conversation pane. */
export function EmptyState({ noModel }: EmptyStateProps) {
  return (
    <div class="empty-state">
      <img src="/static/logo.svg" alt="" width={56} height={56} />
      {noModel
        ? (
          <>
            <h2>Connect a model to start</h2>
            <p>
              rungpt needs an OpenAI API key, or the address of an OpenAI-compatible server such as
              Ollama, llama.cpp, LM Studio or vLLM running on your machine.
            </p>
            <p>
              <a class="btn btn-primary" href="/settings">Open Settings</a>
            </p>
            <p class="muted">
              You can also start rungpt with <code>OPENAI_API_KEY</code> or{" "}
              <code>OPENAI_BASE_URL</code> set.
            </p>
          </>
        )
        : (
          <>
            <h2>How can I help?</h2>
            <p class="muted">
              Type a message below. Enter sends, Shift+Enter adds a line, Esc stops a reply.
            </p>
          </>
        )}
    </div>
  );
}
