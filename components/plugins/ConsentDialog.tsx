/**
 * The consent dialog of an install or update: exactly what the plugin will get (APIs, hosts,
 * paths, secrets it asks for, actions, what it provides to other plugins; for an update, what
 * is new), with "Allow" and "Cancel", in a {@linkcode ModalDialog}.
 * @module
 */
import type { ConsentSummary } from "../../lib/plugins/consent.ts";
import { ModalDialog } from "./ModalDialog.tsx";
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
  const update = s.update;
  const title = update
    ? `Update ${s.name} from ${update.previousVersion} to ${s.version}?`
    : `Install ${s.name} ${s.version}?`;
  return (
    <ModalDialog
      id="consent"
      title={title}
      intro={update
        ? "This version asks for more than you granted before. It will get:"
        : "This plugin runs in a sandbox and will get exactly this, nothing more:"}
      confirmLabel="Allow"
      busy={busy}
      onAnswer={onAnswer}
    >
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
    </ModalDialog>
  );
}
