/**
 * The details panel of the chat: the enabled plugin actions, how they run, and what the next
 * turn of this conversation sends to describe them (the system message, and the tools in
 * native mode), with its token count. Loads `GET /api/actions` each time it opens, so it
 * shows what the next turn will send for the conversation's model.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { type ActionsInfo, getActionsInfo } from "../../lib/ui/api.ts";
import { Icon } from "../Icon.tsx";

/** Props of {@linkcode ActionsPanel}. */
export interface ActionsPanelProps {
  /** The open conversation, if it exists yet. */
  conversationId: string | null;
  /**
   * The model chosen for the conversation or for the chat not created yet (`null`: the
   * default); the panel loads again when it changes.
   */
  model: string | null;
  onClose(): void;
}

const MODE_TEXT = {
  auto: "native tool calls, tags where the server rejects them",
  tags: "<action> tags in the text",
  native: "native tool calls",
} as const;

/** What the next reply gets, e.g. "The next reply of gpt-4o gets them as tool calls." */
function nextTurnText(model: string | null, sent: ActionsInfo["systemMessage"]): string {
  const of = model ? ` of ${model}` : "";
  const how = sent.mode === "native" ? "tool calls" : "<action> tags";
  const fallback = sent.fallback ? " (tags if its server rejects tools)" : "";
  return `The next reply${of} gets them as ${how}${fallback}.`;
}

/**
 * The panel, shown under the conversation header (`id="actions-panel"`).
 *
 * @example
 * ```tsx
 * {open.value && <ActionsPanel onClose={() => (open.value = false)} />}
 * ```
 */
export function ActionsPanel({ conversationId, model, onClose }: ActionsPanelProps) {
  const info = useSignal<ActionsInfo | null>(null);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    const of = conversationId ? { conversation: conversationId } : { model };
    getActionsInfo(of).then((i) => (info.value = i)).catch((e) =>
      error.value = (e as Error).message
    );
  }, [conversationId, model]);
  const i = info.value;
  const askAll = i?.settings.approvalMode === "ask";
  const sent = i?.systemMessage;
  return (
    <section
      id="actions-panel"
      class="actions-panel"
      aria-labelledby="actions-panel-title"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          // Handled: the chat's own Esc must not also stop a reply.
          e.preventDefault();
          onClose();
        }
      }}
    >
      <div class="actions-panel-head">
        <h2 id="actions-panel-title">Actions</h2>
        <button
          type="button"
          class="icon-btn"
          aria-label="Close actions panel"
          title="Close"
          onClick={onClose}
        >
          <Icon name="close" size={16} />
        </button>
      </div>
      {error.value && (
        <p class="notice notice-error" role="alert">Could not load the actions: {error.value}</p>
      )}
      {!i && !error.value && <p class="muted">Loading…</p>}
      {i && (
        <>
          <p class="hint">
            Mode: {MODE_TEXT[i.settings.mode] ?? i.settings.mode}.{" "}
            {i.actions.length > 0 && sent && `${nextTurnText(i.model, sent)} `}
            {askAll
              ? "Every action asks before it runs."
              : 'Only actions marked "asks first" ask before they run.'} At most{" "}
            {i.settings.maxRounds} rounds of action results per reply.{" "}
            <a href="/settings">Change in Settings</a>
          </p>
          {i.actions.length === 0
            ? (
              <p>
                No actions are enabled. <a href="/plugins">Install or enable a plugin</a>{" "}
                to let the model use it.
              </p>
            )
            : (
              <ul class="actions-list" aria-label="Enabled actions">
                {i.actions.map((a) => (
                  <li key={a.id}>
                    {/* Spaces between the parts: read and copied as words, not "idasks first". */}
                    <code class="action-name">{a.id}</code>{" "}
                    {(a.confirm || askAll) && <span class="badge">asks first</span>}{" "}
                    {i.settings.alwaysAllowed.includes(a.id) && (
                      <span class="badge">always allowed</span>
                    )} {a.description && <span class="action-desc">{a.description}</span>}
                  </li>
                ))}
              </ul>
            )}
          <details class="system-message">
            <summary>
              {sent!.tools.length ? "System message and tools" : "System message"}{" "}
              <span class="muted">
                ({sent!.tokens.toLocaleString()} {sent!.tokens === 1 ? "token" : "tokens"})
              </span>
            </summary>
            {sent!.text
              ? <pre class="action-pre"><code>{sent!.text}</code></pre>
              : <p class="muted">None: with no actions enabled, nothing is added.</p>}
            {sent!.tools.length > 0 && (
              <pre
                class="action-pre"
                aria-label="Tools"
              ><code>{JSON.stringify(sent!.tools, null, 2)}</code></pre>
            )}
          </details>
        </>
      )}
    </section>
  );
}
