/**
 * The consent dialog of an install or update: exactly what the plugin will get (APIs, hosts,
 * paths, secrets it asks for, actions, what it provides to other plugins; for an update, what
 * is new), with "Allow" and "Cancel". A native modal `<dialog>`: focus stays inside, Escape
 * cancels, and focus starts on "Cancel" so a stray Enter agrees to nothing.
 * @module
 */
import { useEffect, useRef } from "preact/hooks";
import type { ConsentSummary } from "../../lib/plugins/consent.ts";
import { PermissionList } from "./PermissionList.tsx";

/** Props of {@linkcode ConsentDialog}. */
export interface ConsentDialogProps {
  summary: ConsentSummary;
  /** Disables the buttons while the answer is being sent. */
  busy: boolean;
  onAnswer(allow: boolean): void;
}

/** Asks the user to agree to a plugin's permissions. */
export function ConsentDialog({ summary: s, busy, onAnswer }: ConsentDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) {
      dialog.showModal();
      // Focusing "Cancel" scrolled a long summary to its end; start reading at its title (the
      // buttons stay in view, pinned to the bottom).
      dialog.scrollTop = 0;
    }
    return () => dialog?.close();
  }, []);
  const update = s.update;
  const title = update
    ? `Update ${s.name} from ${update.previousVersion} to ${s.version}?`
    : `Install ${s.name} ${s.version}?`;
  return (
    <dialog
      ref={ref}
      class="consent-dialog"
      aria-labelledby="consent-title"
      aria-describedby="consent-intro"
      onCancel={(e) => {
        e.preventDefault(); // Escape: answer "no" rather than just hiding the dialog.
        if (!busy) onAnswer(false);
      }}
    >
      <h2 id="consent-title">{title}</h2>
      <p id="consent-intro">
        {update
          ? "This version asks for more than you granted before. It will get:"
          : "This plugin runs in a sandbox and will get exactly this, nothing more:"}
      </p>
      <p class="consent-origin">
        <code>{s.url}</code> @ <code>{s.ref}</code>{" "}
        <span class="muted">({s.commit.slice(0, 12)})</span>
        {s.description && <span class="consent-desc">{s.description}</span>}
      </p>
      <PermissionList
        apis={s.apis}
        hosts={s.hosts}
        fs={s.fs}
        quota={s.quota}
        allowPrivateNetwork={s.allowPrivateNetwork}
        secrets={s.secrets}
        added={update?.added}
      />
      {update?.movedFrom && (
        <p class="perm-warn">
          New source: it was installed from <code>{update.movedFrom}</code>.
        </p>
      )}
      {update?.added.allowPrivate && (
        <p class="perm-warn">New: access to private and loopback addresses.</p>
      )}
      {update && update.noLongerAsks.length > 0 && (
        <p class="perm-warn">
          No longer asks you before it runs: {update.noLongerAsks.join(", ")}.
        </p>
      )}
      {update && update.unhides.length > 0 && (
        <p class="perm-warn">
          No longer secret:{" "}
          {update.unhides.join(", ")}. The value you saved would be shown on this page and by{" "}
          <code>rungpt plugin info</code>.
        </p>
      )}
      <h3>Actions the model can call</h3>
      {s.actions.length
        ? (
          <ul class="consent-actions">
            {s.actions.map((a) => (
              <li key={a.name}>
                <code>{a.name}</code> — {a.description}
                {a.confirm && <span class="badge">asks first</span>}
                {update?.noLongerAsks.includes(a.name) && (
                  <span class="badge badge-new">no longer asks first</span>
                )}
              </li>
            ))}
          </ul>
        )
        : <p class="muted">None.</p>}
      {s.settings.length > 0 && (
        <p class="muted">Settings you can change later: {s.settings.join(", ")}.</p>
      )}
      {s.provides.length > 0 && (
        <p class="muted">Offers to other plugins: {s.provides.join(", ")}.</p>
      )}
      <div class="row-buttons dialog-buttons">
        <button type="button" class="btn" disabled={busy} onClick={() => onAnswer(false)}>
          Cancel
        </button>
        <button
          type="button"
          class="btn btn-primary"
          disabled={busy}
          onClick={() => onAnswer(true)}
        >
          Allow
        </button>
      </div>
    </dialog>
  );
}
