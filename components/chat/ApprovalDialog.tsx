/**
 * Asks the user whether an action may run: which action, its arguments, and what its plugin
 * may touch (APIs, hosts, paths), with "Allow once", "Always allow" and "Deny". A native modal
 * `<dialog>`: focus stays inside and starts on "Deny", so a stray Enter allows nothing;
 * Escape stops the reply (which cancels the waiting action), as it does in the chat.
 * @module
 */
import { useEffect, useRef } from "preact/hooks";
import type { ActionCall, ApprovalDecision } from "../../lib/tools/call.ts";
import { prettyArgs } from "../../lib/ui/actions.ts";

/** Props of {@linkcode ApprovalDialog}. */
export interface ApprovalDialogProps {
  call: ActionCall;
  /** Disables the buttons while the answer is being sent. */
  busy: boolean;
  onAnswer(decision: ApprovalDecision): void;
  /** Escape: stop the reply. */
  onStop(): void;
}

/**
 * The approval dialog for one waiting call. Give it `key={call.id}` so the next call gets a
 * fresh dialog.
 */
export function ApprovalDialog({ call, busy, onAnswer, onStop }: ApprovalDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const deny = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    deny.current?.focus();
    // Long arguments: start reading at the title; the buttons stay pinned in view.
    if (dialog) dialog.scrollTop = 0;
    return () => dialog?.close();
  }, []);
  const access = call.access ?? { apis: [], hosts: [], paths: [] };
  const touchesNothing = !access.apis.length && !access.hosts.length && !access.paths.length;
  const args = prettyArgs(call.args);
  return (
    <dialog
      ref={ref}
      class="approval-dialog"
      aria-labelledby="approval-title"
      aria-describedby="approval-intro"
      onCancel={(e) => e.preventDefault()} // Closing without an answer would leave it waiting.
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.preventDefault();
        e.stopPropagation();
        onStop();
      }}
    >
      <h2 id="approval-title">Allow action {call.name}?</h2>
      <p id="approval-intro">
        The model wants to run <code>{call.name}</code>
        {args ? " with these arguments:" : " without arguments."}
      </p>
      {args && <pre class="action-pre approval-args"><code>{args}</code></pre>}
      <h3>What it may touch</h3>
      {access.warning && <p class="notice notice-error" role="note">{access.warning}</p>}
      {touchesNothing
        ? <p class="muted">Nothing outside its sandbox: no APIs, hosts or files.</p>
        : (
          <dl class="approval-access">
            {access.apis.length > 0 && (
              <>
                <dt>APIs</dt>
                <dd>
                  <ul>
                    {access.apis.map((a) => (
                      <li key={a}>
                        <code>{a}</code>
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
            {access.hosts.length > 0 && (
              <>
                <dt>Hosts</dt>
                <dd>
                  <ul>
                    {access.hosts.map((h) => (
                      <li key={h}>
                        <code>{h}</code>
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
            {access.paths.length > 0 && (
              <>
                <dt>Paths</dt>
                <dd>
                  <ul>
                    {access.paths.map((p) => (
                      <li key={p.path}>
                        <code>{p.path}</code>{" "}
                        <span class="muted">
                          ({p.access === "read-write" ? "read and write" : "read only"})
                        </span>
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
          </dl>
        )}
      <p class="hint">Esc stops the reply instead.</p>
      <div class="row-buttons dialog-buttons">
        <button
          ref={deny}
          type="button"
          class="btn"
          disabled={busy}
          onClick={() => onAnswer("deny")}
        >
          Deny
        </button>
        <button
          type="button"
          class="btn"
          disabled={busy}
          onClick={() => onAnswer("always")}
          title={`Never ask again for ${call.name} (revoke in Settings)`}
        >
          Always allow
        </button>
        <button
          type="button"
          class="btn btn-primary"
          disabled={busy}
          onClick={() => onAnswer("once")}
        >
          Allow once
        </button>
      </div>
    </dialog>
  );
}
