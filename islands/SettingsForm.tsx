/**
 * The settings page: API key, base URL, default model and how plugin actions run, saved with
 * `PUT /api/settings`.
 * The key itself never comes back from the server; only a masked form and where it is set.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { ActionMode, PublicSettings } from "../lib/store/settings.ts";
import {
  type ConnectionTest,
  listModels,
  type ModelList,
  saveSettings,
  type SettingsInput,
  testConnection,
} from "../lib/ui/api.ts";
import { connectionTestText, modelListHint } from "../lib/ui/format.ts";

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
  const origins = useSignal(initial.cors.origins.join(", "));
  const titles = useSignal(initial.autoTitles);
  const testing = useSignal(false);
  const tested = useSignal<ConnectionTest | null>(null);

  /** The model list, and the default rungpt may just have chosen from it. */
  const showModels = (m: ModelList) => {
    models.value = m;
    if (m.chosen && !model.peek()) {
      model.value = m.chosen;
      settings.value = { ...settings.peek(), model: m.chosen, modelSource: "settings" };
    }
  };
  const loadModels = () => {
    listModels().then(showModels).catch((e) =>
      models.value = { models: [], default: null, error: (e as Error).message }
    );
  };
  const test = async () => {
    testing.value = true;
    tested.value = null;
    try {
      const key = apiKey.value.trim();
      tested.value = await testConnection({
        ...(key ? { apiKey: key } : {}),
        baseURL: baseURL.value.trim(),
      });
    } catch (e) {
      tested.value = { ok: false, baseURL: baseURL.value, error: (e as Error).message, kind: "" };
    } finally {
      testing.value = false;
    }
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
      origins.value = next.cors.origins.join(", ");
      titles.value = next.autoTitles;
      const chosen = next.models?.chosen;
      saved.value = chosen
        ? `${message} Default model: ${chosen}, chosen from the server's models.`
        : message;
      if (next.models) showModels(next.models);
      else loadModels();
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      saving.value = false;
    }
  };

  const s = settings.value;
  const list = models.value;
  const tagsOnly = s.actions.nativeToolsUnsupported;
  const unstreamed = s.actions.streamToolsUnsupported;
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
            const wanted = originList(origins.value);
            if (wanted.join(",") !== s.cors.origins.join(",")) {
              input.corsOrigins = wanted.length ? wanted : null;
            }
            if (titles.value !== s.autoTitles) input.autoTitles = titles.value;
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
            <div class="row-buttons">
              <button
                type="button"
                class="btn"
                disabled={testing.value}
                onClick={() => void test()}
              >
                {testing.value ? "Testing…" : "Test connection"}
              </button>
            </div>
            <div aria-live="polite">
              {tested.value && (
                <p
                  class={`notice ${tested.value.ok ? "notice-ok" : "notice-error"}`}
                  id="connection-test"
                >
                  {connectionTestText(tested.value)}
                </p>
              )}
            </div>
            <p class="hint">Lists the server's models with the values above; saves nothing.</p>
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
            {list?.chosen && (
              <p class="hint" id="model-chosen">
                Chosen automatically from the server's models:{" "}
                <code>{list.chosen}</code>. Pick another any time.
              </p>
            )}
            {list?.stale && list.default && (
              <p class="hint hint-warn" id="model-stale">
                <code>{list.default}</code>{" "}
                is not among the models this server lists. Pick one of them, or clear the field and
                save to let rungpt choose.
              </p>
            )}
          </fieldset>

          <fieldset>
            <legend>Chats</legend>
            <label class="check-row">
              <input
                type="checkbox"
                checked={titles.value}
                onChange={(e) => (titles.value = e.currentTarget.checked)}
              />
              Let the model title new chats
            </label>
            <p class="hint">
              After the first reply, one short extra request to the same model names the chat.
              Otherwise a chat is named after the first line of its first message. Renamed chats
              keep their name.
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
            {unstreamed.length > 0 && (
              <>
                <h3 class="field-title" id="unstreamed-title">Tool calls not streamed</h3>
                <p class="hint">
                  These models' server broke on streamed tool calls, so replies that may call an
                  action are asked for whole. Stream again once the server is fixed.
                </p>
                <ul class="allowed-list" aria-labelledby="unstreamed-title">
                  {unstreamed.map((m) => (
                    <li key={m}>
                      <code>{m}</code>
                      <button
                        type="button"
                        class="btn btn-small"
                        aria-label={`Stream tool calls again with ${m}`}
                        disabled={saving.value}
                        onClick={() =>
                          void save(
                            { remove: { streamToolsUnsupported: [m] } },
                            `${m} will stream tool calls again.`,
                          )}
                      >
                        Stream again
                      </button>
                    </li>
                  ))}
                </ul>
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

          <fieldset>
            <legend>Browser clients</legend>
            <label for="cors-origins">Web origins that may use the API</label>
            <input
              id="cors-origins"
              spellcheck={false}
              autocomplete="off"
              placeholder="e.g. http://localhost:5173, https://chat.example.com"
              aria-describedby="cors-origins-hint"
              value={origins.value}
              onInput={(e) => (origins.value = e.currentTarget.value)}
            />
            <p class="hint" id="cors-origins-hint">
              Pages on these origins (exactly{" "}
              <code>scheme://host[:port]</code>, comma-separated) may call <code>/v1</code>{" "}
              from the browser; they still need the access token. Empty: no web page may.
              {s.cors.envOrigins.length > 0 &&
                ` Also allowed by RUNGPT_CORS_ORIGINS: ${s.cors.envOrigins.join(", ")}.`}
            </p>
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

/** The entries of the origins field: comma- or space-separated, blanks dropped. */
function originList(text: string): string[] {
  return text.split(/[\s,]+/).map((o) => o.trim()).filter(Boolean);
}
