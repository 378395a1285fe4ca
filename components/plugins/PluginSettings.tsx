/**
 * A plugin's declared settings as a form. Secrets are password fields that never show a value:
 * only whether one is set, with "Clear". "Save settings" sends only the fields you changed.
 * @module
 */
import { useSignal } from "@preact/signals";
import type { SettingView } from "../../lib/plugins/views.ts";
import type { SettingInput } from "../../lib/ui/plugins_api.ts";

/** Props of {@linkcode PluginSettings}. */
export interface PluginSettingsProps {
  plugin: string;
  settings: SettingView[];
  /** Saves values (`null` clears); rejects with a message to show. */
  onSave(values: Record<string, SettingInput>): Promise<void>;
}

type Draft = Record<string, string | boolean>;

/** Converts edited fields to the values the API takes; throws naming a bad number. */
export function draftValues(
  settings: SettingView[],
  draft: Draft,
): Record<string, SettingInput> {
  const out: Record<string, SettingInput> = {};
  for (const s of settings) {
    if (!Object.hasOwn(draft, s.key)) continue;
    const v = draft[s.key];
    if (typeof v === "boolean") out[s.key] = v;
    else if (s.secret) {
      if (v !== "") out[s.key] = v; // Empty keeps the stored secret; "Clear" removes it.
    } else if (v.trim() === "") out[s.key] = null; // Back to the default.
    else if (s.type === "number") {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`${s.key} must be a number`);
      out[s.key] = n;
    } else out[s.key] = v;
  }
  return out;
}

function shown(s: SettingView): string {
  return s.value === null || s.value === undefined ? "" : String(s.value);
}

/** The settings form of one plugin. */
export function PluginSettings({ plugin, settings, onSave }: PluginSettingsProps) {
  const draft = useSignal<Draft>({});
  const saving = useSignal(false);
  const error = useSignal<string | null>(null);
  const saved = useSignal<string | null>(null);
  if (settings.length === 0) return <p class="muted">No settings.</p>;

  const edit = (key: string, value: string | boolean) => {
    draft.value = { ...draft.value, [key]: value };
    saved.value = null;
  };
  const save = async (values: Record<string, SettingInput>, message: string) => {
    saving.value = true;
    error.value = null;
    saved.value = null;
    try {
      await onSave(values);
      draft.value = {};
      saved.value = message;
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      saving.value = false;
    }
  };

  return (
    <form
      class="plugin-settings"
      aria-label={`${plugin} settings`}
      onSubmit={(e) => {
        e.preventDefault();
        let values: Record<string, SettingInput>;
        try {
          values = draftValues(settings, draft.value);
        } catch (err) {
          error.value = (err as Error).message;
          return;
        }
        if (Object.keys(values).length === 0) {
          saved.value = "Nothing changed.";
          return;
        }
        void save(values, "Settings saved.");
      }}
    >
      {settings.map((s) => {
        const id = `plugin-${plugin}-setting-${s.key}`;
        const hint = s.description ? `${id}-hint` : undefined;
        const d = draft.value[s.key];
        return (
          <div class="setting" key={s.key}>
            {s.type === "boolean"
              ? (
                <label class="check" for={id}>
                  <input
                    id={id}
                    type="checkbox"
                    aria-describedby={hint}
                    checked={typeof d === "boolean" ? d : s.value === true}
                    onChange={(e) => edit(s.key, e.currentTarget.checked)}
                  />
                  {s.key}
                </label>
              )
              : <label for={id}>{s.key}</label>}
            {s.type !== "boolean" && s.secret && (
              <div class="field-row">
                <input
                  id={id}
                  type="password"
                  autocomplete="off"
                  aria-describedby={[hint, `${id}-status`].filter(Boolean).join(" ")}
                  placeholder={s.isSet ? "Leave empty to keep the current value" : "not set"}
                  value={typeof d === "string" ? d : ""}
                  onInput={(e) => edit(s.key, e.currentTarget.value)}
                />
                <span id={`${id}-status`} class={`secret-status${s.isSet ? " is-set" : ""}`}>
                  {s.isSet ? "set" : "not set"}
                </span>
                {s.isSet && (
                  <button
                    type="button"
                    class="btn btn-small"
                    aria-label={`Clear ${s.key}`}
                    disabled={saving.value}
                    onClick={() => void save({ [s.key]: null }, `${s.key} cleared.`)}
                  >
                    Clear
                  </button>
                )}
              </div>
            )}
            {s.type !== "boolean" && !s.secret && s.enum && (
              <select
                id={id}
                aria-describedby={hint}
                value={typeof d === "string" ? d : shown(s)}
                onChange={(e) => edit(s.key, e.currentTarget.value)}
              >
                {s.enum.map((v) => <option key={String(v)} value={String(v)}>{String(v)}</option>)}
              </select>
            )}
            {s.type !== "boolean" && !s.secret && !s.enum && (
              <input
                id={id}
                type={s.type === "number" ? "number" : "text"}
                step={s.type === "number" ? "any" : undefined}
                spellcheck={false}
                aria-describedby={hint}
                placeholder={s.default !== undefined ? `default: ${s.default}` : ""}
                value={typeof d === "string" ? d : shown(s)}
                onInput={(e) => edit(s.key, e.currentTarget.value)}
              />
            )}
            {hint && <p id={hint} class="hint">{s.description}</p>}
          </div>
        );
      })}
      {error.value && <div class="notice notice-error" role="alert">{error.value}</div>}
      {saved.value && <div class="notice notice-ok" role="status">{saved.value}</div>}
      <div class="row-buttons">
        <button type="submit" class="btn" disabled={saving.value}>
          {saving.value ? "Saving…" : "Save settings"}
        </button>
      </div>
    </form>
  );
}
