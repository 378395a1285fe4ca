/**
 * How much a plugin may store in its data dir, as a small form on its card: the size and the
 * number of files and folders, "Save quota", and "Default" to go back to the defaults.
 * @module
 */
import { useSignal } from "@preact/signals";
import { formatSize, parseSize } from "../../lib/plugins/quota_size.ts";

/** A data dir quota. */
export interface Quota {
  bytes: number;
  files: number;
}

/** Props of {@linkcode PluginQuota}. */
export interface PluginQuotaProps {
  plugin: string;
  quota: Quota;
  /** Saves a quota (`null`: the default); rejects with a message to show. */
  onSave(quota: Quota | null): Promise<void>;
}

/**
 * The quota the fields say; throws naming a field that is not a size or a count.
 *
 * @example
 * ```ts
 * quotaFromFields("500 MB", "50,000"); // { bytes: 524288000, files: 50000 }
 * ```
 */
export function quotaFromFields(size: string, files: string): Quota {
  const bytes = parseSize(size);
  if (bytes < 1) throw new Error("The size must be at least 1 byte.");
  const count = Number(files.replaceAll(",", "").trim());
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new Error(`"${files}" is not a number of files; write it like 50000.`);
  }
  return { bytes, files: count };
}

/** The quota form of one plugin. */
export function PluginQuota({ plugin, quota, onSave }: PluginQuotaProps) {
  const size = useSignal<string | null>(null);
  const files = useSignal<string | null>(null);
  const saving = useSignal(false);
  const message = useSignal<{ text: string; error: boolean } | null>(null);
  const id = `plugin-${plugin}-quota`;
  const save = async (next: Quota | null, done: string) => {
    saving.value = true;
    message.value = null;
    try {
      await onSave(next);
      size.value = files.value = null;
      message.value = { text: done, error: false };
    } catch (e) {
      message.value = { text: (e as Error).message, error: true };
    } finally {
      saving.value = false;
    }
  };
  return (
    <form
      class="plugin-settings plugin-quota"
      aria-label={`${plugin} storage quota`}
      onSubmit={(e) => {
        e.preventDefault();
        try {
          const next = quotaFromFields(
            size.value ?? formatSize(quota.bytes),
            files.value ?? String(quota.files),
          );
          void save(next, "Quota saved.");
        } catch (err) {
          message.value = { text: (err as Error).message, error: true };
        }
      }}
    >
      <div class="setting">
        <label for={`${id}-bytes`}>Size</label>
        <input
          id={`${id}-bytes`}
          value={size.value ?? formatSize(quota.bytes)}
          onInput={(e) => (size.value = e.currentTarget.value)}
        />
      </div>
      <div class="setting">
        <label for={`${id}-files`}>Files and folders</label>
        <input
          id={`${id}-files`}
          inputMode="numeric"
          value={files.value ?? String(quota.files)}
          onInput={(e) => (files.value = e.currentTarget.value)}
        />
      </div>
      <div class="row-buttons">
        <button type="submit" class="btn" disabled={saving.value}>Save quota</button>
        <button
          type="button"
          class="btn"
          disabled={saving.value}
          onClick={() => void save(null, "Quota back to the default.")}
        >
          Default
        </button>
      </div>
      {message.value?.error && (
        <div class="notice notice-error" role="alert">{message.value.text}</div>
      )}
      {message.value && !message.value.error && (
        <div class="notice notice-ok" role="status">{message.value.text}</div>
      )}
    </form>
  );
}
