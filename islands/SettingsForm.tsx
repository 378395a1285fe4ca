/**
 * The settings page: API key, base URL, default model and how plugin actions run, saved with
 * `PUT /api/settings`.
 * The key itself never comes back from the server; only a masked form and where it is set.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { ActionMode, PublicSettings } from "../lib/store/settings.ts";
import { listModels, type ModelList, saveSettings, type SettingsInput } from "../lib/ui/api.ts";
import { modelListHint } from "../lib/ui/format.ts";

/** Props of the SettingsForm island (all JSON). */
export interface SettingsFormProps {
  settings: PublicSettings;
}

const PRESETS: Array<{ name: string; url: string }> = [
  { name: "OpenAI", url: "" },
  { name: "Ollama", url: "http://127.0.0.1:11434/v1" },
  { name: "llama.cpp", url: "http://127.0.0.1:8080/v1" },
  { name: "LM Studio", url: "http://127.0.0.1:1234/v1" },
  { name: "vLLM", url: "http://127.0.0.1:8000/v1" },
];

const ACTION_MODES: Array<{ value: ActionMode; label: string; hint: string }> = [
  {
    value: "auto",
    label: "Auto — tool calls, tags as fallback",
    hint: "Native tool calls; <action> tags for models whose server rejects tools.",
  },
  {
    value: "tags",
    label: "Tags — works with any model",
    hint: "The model writes <action> tags in its text.",
  },
  {
    value: "native",
    label: "Native — OpenAI tool calls only",
    hint: "For servers that support tool calling.",
  },
];

function sourceText(source: string | null | undefined, envVar: string): string {
  if (source === "settings") return "saved in rungpt's settings";
  if (source === "env") return `from the ${envVar} environment variable`;
  return "not set";
}

/** The settings form. */
export default function SettingsForm({ settings: initial }: SettingsFormProps) {
  const settings = useSignal(initial);
  const apiKey = useSignal("");
  const baseURL = useSignal(initial.baseURL ?? "");
  const model = useSignal(initial.model ?? "");
  const models = useSignal<ModelList | null>(null);
  const saving = useSignal(false);
  const error = useSignal<string | null>(null);
  const saved = useSignal<string | null>(null);
  const actionMode = useSignal<ActionMode>(initial.actions.mode);
  const askAll = useSignal(initial.actions.approvalMode === "ask");
  const rounds = useSignal(String(initial.actions.maxRounds));

  const loadModels = () => {
    listModels().then((m) => (models.value = m)).catch((e) =>
      models.value = { models: [], default: null, error: (e as Error).message }
    );
  };
  useEffect(loadModels, []);

  const save = async (input: SettingsInput, message: string) => {
    saving.value = true;
    error.value = null;
    saved.value = null;
    try {
      const next = await saveSettings(input);
      settings.value = next;
      apiKey.value = "";
      baseURL.value = next.baseURL ?? "";
      model.value = next.model ?? "";
      actionMode.value = next.actions.mode;
      askAll.value = next.actions.approvalMode === "ask";
      rounds.value = String(next.actions.maxRounds);
      saved.value = message;
      loadModels();
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      saving.value = false;
    }
  };

  const s = settings.value;
  const list = models.value;
  const tagsOnly = s.actions.nativeToolsUnsupported;
  return (
    <main class="settings-page">
      <div class="settings-card">
        <p>
          <a href="/" class="back-link">← Back to chat</a>
        </p>
        <h1>Settings</h1>
        <form
          class="settings-form"
          onSubmit={(e) => {
            e.preventDefault();
            const input: SettingsInput = {};
            if (apiKey.value.trim()) input.apiKey = apiKey.value.trim();
            const url = baseURL.value.trim();
            if (url !== (s.baseURL ?? "")) input.baseURL = url || null;
            const mdl = model.value.trim();
            if (mdl !== (s.model ?? "")) input.model = mdl || null;
            const a = s.actions;
            if (actionMode.value !== a.mode) input.actionMode = actionMode.value;
            if (askAll.value !== (a.approvalMode === "ask")) {
              input.approvalMode = askAll.value ? "ask" : "auto";
            }
            const n = Number(rounds.value);
            if (rounds.value.trim() === "" || !Number.isInteger(n) || n < 1 || n > 50) {
              error.value = "Rounds per turn must be a whole number from 1 to 50.";
              saved.value = null;
              return;
            }
            if (n !== a.maxRounds) input.maxActionRounds = n;
            void save(input, "Settings saved.");
          }}
        >
          <fieldset>
            <legend>API key</legend>
            <p class="field-status">
              {s.apiKeySet
                ? (
                  <>
                    Current key <code>{s.apiKeyMasked ?? "(set)"}</code>,{" "}
                    {sourceText(s.apiKeySource, "OPENAI_API_KEY")}.
                  </>
                )
                : "No key set. Local servers such as Ollama usually need none."}
            </p>
            <label for="api-key">{s.apiKeySet ? "Replace the API key" : "API key"}</label>
            <div class="field-row">
              <input
                id="api-key"
                type="password"
                autocomplete="off"
                spellcheck={false}
                placeholder={s.apiKeySet ? "Leave empty to keep the current key" : "sk-…"}
                value={apiKey.value}
                onInput={(e) => (apiKey.value = e.currentTarget.value)}
              />
              {s.apiKeySource === "settings" && (
                <button
                  type="button"
                  class="btn"
                  disabled={saving.value}
                  onClick={() => void save({ apiKey: null }, "Saved key cleared.")}
                >
                  Clear
                </button>
              )}
            </div>
            <p class="hint">
              Stored on this machine only (file mode 0600); never sent to the browser.
            </p>
          </fieldset>

          <fieldset>
            <legend>Server</legend>
            <label for="base-url">Base URL</label>
            <input
              id="base-url"
              type="url"
              inputMode="url"
              spellcheck={false}
              placeholder="https://api.openai.com/v1"
              value={baseURL.value}
              onInput={(e) => (baseURL.value = e.currentTarget.value)}
            />
            <p class="hint">
              Empty means OpenAI. {s.baseURLSource === "env" && "Currently from OPENAI_BASE_URL. "}
              Local servers:
            </p>
            <div class="presets" role="group" aria-label="Base URL presets">
              {PRESETS.map((p) => (
                <button
                  key={p.name}
                  type="button"
                  class="chip"
                  title={p.url || "OpenAI (default)"}
                  onClick={() => (baseURL.value = p.url)}
                >
                  {p.name}
                  {p.url && <span class="chip-url">{p.url.replace("http://", "")}</span>}
                </button>
              ))}
            </div>
          </fieldset>

          <fieldset>
            <legend>Default model</legend>
            <label for="default-model">Model</label>
            <input
              id="default-model"
              list="settings-models"
              spellcheck={false}
              autocomplete="off"
              placeholder="e.g. gpt-4o-mini, llama3.2"
              value={model.value}
              onInput={(e) => (model.value = e.currentTarget.value)}
            />
            <datalist id="settings-models">
              {list?.models.map((m) => <option key={m} value={m} />)}
            </datalist>
            <p class="hint">
              {list === null ? "Loading the server's models…" : modelListHint(list)}
              {s.modelSource === "env" && " Currently from RUNGPT_MODEL."}
            </p>
          </fieldset>

          <fieldset class="actions-settings">
            <legend>Actions</legend>
            <label for="action-mode">Action mode</label>
            <select
              id="action-mode"
              aria-describedby="action-mode-hint"
              value={actionMode.value}
              onChange={(e) => (actionMode.value = e.currentTarget.value as ActionMode)}
            >
              {ACTION_MODES.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
            </select>
            <p class="hint" id="action-mode-hint">
              How the model calls plugin actions.{" "}
              {ACTION_MODES.find((m) => m.value === actionMode.value)?.hint}
            </p>
            {tagsOnly.length > 0 && (
              <>
                <h3 class="field-title" id="tags-only-title">Tags only</h3>
                <p class="hint">
                  In auto mode these models get tags: their server rejected tools. Try again once
                  the server supports them.
                </p>
                <ul class="allowed-list" aria-labelledby="tags-only-title">
                  {tagsOnly.map((m) => (
                    <li key={m}>
                      <code>{m}</code>
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Try tools again with ${m}`}
                        disabled={saving.value}
                        onClick={() =>
                          void save(
                            { remove: { nativeToolsUnsupported: [m] } },
                            `${m} will be offered tools again.`,
                          )}
                      >
                        Try tools again
                      </button>
                    </li>
                  ))}
                </ul>
                {tagsOnly.length > 1 && (
                  <button
                    type="button"
                    class="btn btn-small"
                    disabled={saving.value}
                    onClick={() =>
                      void save(
                        { nativeToolsUnsupported: null },
                        "Every model will be offered tools again.",
                      )}
                  >
                    Try tools again with all
                  </button>
                )}
              </>
            )}
            <label class="check-row">
              <input
                type="checkbox"
                checked={askAll.value}
                onChange={(e) => (askAll.value = e.currentTarget.checked)}
              />
              Ask before every action
            </label>
            <p class="hint">
              Otherwise only actions their plugin marks as needing confirmation ask first.
            </p>
            <label for="action-rounds">Rounds per turn</label>
            <input
              id="action-rounds"
              type="number"
              min={1}
              max={50}
              step={1}
              inputMode="numeric"
              class="input-narrow"
              value={rounds.value}
              onInput={(e) => (rounds.value = e.currentTarget.value)}
            />
            <p class="hint">
              How many rounds of action results the model gets in one reply; actions it calls after
              that are not run, and the reply ends with a notice.
            </p>
            <h3 class="field-title" id="always-allowed-title">Always allowed</h3>
            {s.actions.alwaysAllowed.length === 0
              ? <p class="hint">None. "Always allow" in an approval dialog adds an action here.</p>
              : (
                <ul class="allowed-list" aria-labelledby="always-allowed-title">
                  {s.actions.alwaysAllowed.map((id) => (
                    <li key={id}>
                      <code>{id}</code>
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Revoke ${id}`}
                        disabled={saving.value}
                        onClick={() =>
                          void save(
                            { remove: { alwaysAllowed: [id] } },
                            `${id} will ask again.`,
                          )}
                      >
                        Revoke
                      </button>
                    </li>
                  ))}
                </ul>
              )}
          </fieldset>

          {error.value && <div class="notice notice-error" role="alert">{error.value}</div>}
          {saved.value && <div class="notice notice-ok" role="status">{saved.value}</div>}
          <div class="row-buttons">
            <button type="submit" class="btn btn-primary" disabled={saving.value}>
              {saving.value ? "Saving…" : "Save"}
            </button>
          </div>
        </form>
      </div>
    </main>
  );
}
