/**
 * One installed plugin on /plugins, compact: a region named after it with its version, a
 * one-line description, the on/off switch (labelled with its state) and badges of what it may
 * touch; its actions, settings (and storage quota), full permissions and source, and recent logs
 * open on demand; "Update" and "Remove" (which asks to confirm).
 * @module
 */
import { useCardActions } from "./card_actions.ts";
import type { PluginView } from "../../lib/plugins/views.ts";
import type { SettingInput } from "../../lib/ui/plugins_api.ts";
import { PermissionBadges } from "./PermissionBadges.tsx";
import { PermissionList } from "./PermissionList.tsx";
import { PluginLogs } from "./PluginLogs.tsx";
import { PluginQuota, type Quota } from "./PluginQuota.tsx";
import { PluginSettings } from "./PluginSettings.tsx";

/** Props of {@linkcode PluginCard}. */
export interface PluginCardProps {
  plugin: PluginView;
  /** True while an install or update job runs: Update and Remove wait. */
  jobRunning: boolean;
  /** Each rejects with a message to show on the card. */
  onToggle(enabled: boolean): Promise<void>;
  onSaveSettings(values: Record<string, SettingInput>): Promise<void>;
  /** Sets how much its data dir may hold (`null`: the default). */
  onSaveQuota(quota: Quota | null): Promise<void>;
  onRemove(): Promise<void>;
  onUpdate(): void;
}

/** A plugin's card. */
export function PluginCard(props: PluginCardProps) {
  const p = props.plugin;
  const { busy, error, confirmRemove, cancelRemove, run } = useCardActions();
  const titleId = `plugin-${p.name}-title`;

  return (
    <section
      class={`plugin-card${p.enabled ? "" : " is-disabled"}`}
      aria-labelledby={titleId}
      data-plugin={p.name}
    >
      <header class="plugin-head">
        <div>
          <h2 id={titleId}>{p.name}</h2>
          <span class="plugin-version">{p.version}</span>
        </div>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            checked={p.enabled}
            disabled={busy.value}
            onChange={(e) => {
              const input = e.currentTarget;
              const enabled = input.checked;
              // On failure, show the state the server still has.
              void run(() => props.onToggle(enabled)).then((ok) => {
                if (!ok) input.checked = !enabled;
              });
            }}
          />
          {/* The label says the state, so a glance (or a screen reader) needs no colour. */}
          <span>{p.enabled ? "Enabled" : "Disabled"}</span>
        </label>
      </header>
      {p.description && (
        <p class="plugin-desc plugin-desc-line" title={p.description}>{p.description}</p>
      )}
      <PermissionBadges
        apis={p.apis}
        hosts={p.hosts}
        fs={p.fs}
        allowPrivateNetwork={p.allowPrivateNetwork}
      />
      {p.error && (
        <div class="notice notice-error" role="alert">
          <span>
            <strong>Cannot load:</strong> {p.error}
          </span>
        </div>
      )}
      {error.value && <div class="notice notice-error" role="alert">{error.value}</div>}

      <details class="plugin-more">
        <summary>Actions ({p.actions.length})</summary>
        {p.actions.length
          ? (
            <ul class="plugin-actions">
              {p.actions.map((a) => (
                <li key={a.name}>
                  <code>{a.name}</code>
                  {a.confirm && (
                    <span class="badge" title="You are asked before every call">asks first</span>
                  )}
                  <span class="action-desc">{a.description}</span>
                </li>
              ))}
            </ul>
          )
          : <p class="muted">None.</p>}
        {p.provides.length > 0 && (
          <p class="muted">Offers to other plugins: {p.provides.join(", ")}</p>
        )}
      </details>

      <details class="plugin-more">
        <summary>Settings</summary>
        {p.fs.length > 0 && (
          <>
            <h3>Storage quota</h3>
            <PluginQuota plugin={p.name} quota={p.quota} onSave={props.onSaveQuota} />
          </>
        )}
        <PluginSettings plugin={p.name} settings={p.settings} onSave={props.onSaveSettings} />
      </details>

      <details class="plugin-more">
        <summary>Permissions and source</summary>
        <PermissionList
          apis={p.apis}
          hosts={p.hosts}
          fs={p.fs}
          quota={p.quota}
          allowPrivateNetwork={p.allowPrivateNetwork}
        />
        <p class="plugin-source muted">
          From <code>{p.source}@{p.ref}</code> ({p.commit.slice(0, 12)}), installed{" "}
          {/* The ISO date: the same on the server and in the browser (no hydration mismatch). */}
          <time dateTime={p.installedAt}>{p.installedAt.slice(0, 10)}</time>
        </p>
      </details>

      <PluginLogs plugin={p.name} />

      <div class="row-buttons plugin-buttons">
        <button
          type="button"
          class="btn"
          disabled={busy.value || props.jobRunning}
          onClick={props.onUpdate}
        >
          Update
        </button>
        {confirmRemove.value
          ? (
            <div class="confirm" role="group" aria-label={`Remove ${p.name}?`}>
              <span>Remove {p.name}, its files and settings?</span>
              <button
                type="button"
                class="btn btn-danger btn-small"
                disabled={busy.value}
                onClick={() => void run(props.onRemove)}
              >
                Confirm remove
              </button>
              <button
                type="button"
                class="btn btn-small"
                ref={cancelRemove}
                onClick={() => (confirmRemove.value = false)}
              >
                Cancel
              </button>
            </div>
          )
          : (
            <button
              type="button"
              class="btn"
              disabled={busy.value || props.jobRunning}
              onClick={() => (confirmRemove.value = true)}
            >
              Remove
            </button>
          )}
      </div>
    </section>
  );
}
