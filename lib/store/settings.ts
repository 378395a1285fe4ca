/**
 * User settings (API key, base URL, default model), kept as JSON in
 * `<dataDir>/settings.json` with mode 0600, and the rules for which value wins over the
 * environment. The API key never leaves this module except through
 * {@linkcode providerConfig} (for the server's LLM client); the browser gets
 * {@linkcode publicSettings}.
 * @module
 */
import { UserError } from "../errors.ts";
import { join } from "node:path";
import { z } from "zod";
import { parseOrigin, parseOriginList } from "./origins.ts";
import type { Env } from "./paths.ts";
import { FileTooLargeError, readSmallTextFile } from "./small_file.ts";

/** File name of the settings inside the data directory. */
export const SETTINGS_FILE = "settings.json";

/** How the model calls actions: native tool calls, `<action>` tags, or native with fallback. */
export type ActionMode = "auto" | "tags" | "native";
/** `auto`: only actions marked `confirm: true` ask first; `ask`: every action asks. */
export type ApprovalMode = "auto" | "ask";

/** What is stored on disk. Fields not known here are kept as they are when saving. */
export interface StoredSettings {
  apiKey?: string;
  baseURL?: string;
  model?: string;
  actionMode?: ActionMode;
  approvalMode?: ApprovalMode;
  /** Action ids (`plugin.action`) the user chose "Always allow" for. */
  alwaysAllowed?: string[];
  /** Bound on model rounds with action calls in one turn. */
  maxActionRounds?: number;
  /** Models whose upstream rejected native tools (auto mode then uses tags for them). */
  nativeToolsUnsupported?: string[];
  /** Models whose upstream cannot stream tool calls (rounds with tools are asked whole). */
  streamToolsUnsupported?: string[];
  /** Web origins whose pages may call `/v1` (CORS), besides `RUNGPT_CORS_ORIGINS`. */
  corsOrigins?: string[];
  /** Whether the model titles a chat after its first exchange (default true). */
  autoTitles?: boolean;
  [more: string]: unknown;
}

/** A change to the settings: a value sets a field, `null` removes it, absent leaves it. */
export interface SettingsPatch {
  apiKey?: string | null;
  baseURL?: string | null;
  model?: string | null;
  actionMode?: ActionMode | null;
  approvalMode?: ApprovalMode | null;
  alwaysAllowed?: string[] | null;
  maxActionRounds?: number | null;
  nativeToolsUnsupported?: string[] | null;
  streamToolsUnsupported?: string[] | null;
  corsOrigins?: string[] | null;
  autoTitles?: boolean | null;
}

/** The values the LLM client should use (server side only: holds the key). */
export interface ProviderConfig {
  apiKey: string | null;
  baseURL: string | null;
  model: string | null;
}

/** Where an effective value came from. */
export type SettingSource = "settings" | "env" | null;

/** What the browser may see about the settings; never the key itself. */
export interface PublicSettings {
  apiKeySet: boolean;
  /** e.g. `"sk-…abcd"`: at most the last 4 characters, none if the key is short. */
  apiKeyMasked: string | null;
  apiKeySource: SettingSource;
  baseURL: string | null;
  baseURLSource: SettingSource;
  model: string | null;
  modelSource: SettingSource;
  /** The effective action settings (see {@linkcode actionSettings}). */
  actions: ActionSettings;
  /** Origins allowed to call `/v1` from a browser: saved here, and from the environment. */
  cors: { origins: string[]; envOrigins: string[] };
  /** Whether the model titles new chats (see {@linkcode autoTitles}). */
  autoTitles: boolean;
}

/** How actions run; defaults filled in. */
export interface ActionSettings {
  mode: ActionMode;
  approvalMode: ApprovalMode;
  alwaysAllowed: string[];
  maxRounds: number;
  nativeToolsUnsupported: string[];
  streamToolsUnsupported: string[];
}

/** Default bound on action rounds per turn. */
export const DEFAULT_MAX_ACTION_ROUNDS = 8;

/**
 * The effective action settings: stored values, else `RUNGPT_ACTION_MODE` for the mode, else
 * defaults (auto mode, auto approval, 8 rounds).
 *
 * @throws {SettingsError} when `RUNGPT_ACTION_MODE` holds a value that is not a mode.
 */
export function actionSettings(
  stored: StoredSettings,
  env: Env = Deno.env.toObject(),
): ActionSettings {
  return {
    mode: stored.actionMode ?? envActionMode(env) ?? "auto",
    approvalMode: stored.approvalMode ?? "auto",
    alwaysAllowed: stored.alwaysAllowed ?? [],
    maxRounds: stored.maxActionRounds ?? DEFAULT_MAX_ACTION_ROUNDS,
    nativeToolsUnsupported: stored.nativeToolsUnsupported ?? [],
    streamToolsUnsupported: stored.streamToolsUnsupported ?? [],
  };
}

/**
 * Whether the model titles a chat after its first exchange: the stored value, else
 * `RUNGPT_AUTO_TITLES` (`on` or `off`), else on.
 *
 * @throws {SettingsError} when `RUNGPT_AUTO_TITLES` is neither `on` nor `off`.
 *
 * @example
 * ```ts
 * autoTitles({}, { RUNGPT_AUTO_TITLES: "off" }); // false
 * autoTitles({ autoTitles: true }, { RUNGPT_AUTO_TITLES: "off" }); // true
 * ```
 */
export function autoTitles(stored: StoredSettings, env: Env = Deno.env.toObject()): boolean {
  if (typeof stored.autoTitles === "boolean") return stored.autoTitles;
  const raw = env.RUNGPT_AUTO_TITLES?.trim();
  if (!raw || raw === "on") return true;
  if (raw === "off") return false;
  throw new SettingsError(
    `RUNGPT_AUTO_TITLES is ${JSON.stringify(raw)}, but it must be on or off (or unset, for on)`,
    "RUNGPT_AUTO_TITLES",
  );
}

/**
 * The action mode `RUNGPT_ACTION_MODE` sets, or `undefined` when it is unset or blank. The
 * server checks it at start-up, so a typo is a one-line error rather than a silent default.
 *
 * @throws {SettingsError} naming the variable, its value and the allowed values.
 *
 * @example
 * ```ts
 * envActionMode({ RUNGPT_ACTION_MODE: "tags" }); // "tags"
 * envActionMode({ RUNGPT_ACTION_MODE: "tag" }); // throws: … must be auto, tags or native …
 * ```
 */
export function envActionMode(env: Env): ActionMode | undefined {
  const raw = env.RUNGPT_ACTION_MODE?.trim();
  if (!raw) return undefined;
  const parsed = actionMode.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new SettingsError(
    `RUNGPT_ACTION_MODE is ${JSON.stringify(raw)}, but it must be auto, tags or native ` +
      `(or unset, for auto)`,
    "RUNGPT_ACTION_MODE",
  );
}

/**
 * Settings that could not be read or saved; `field` names the offending field, if one, and
 * `file` the settings file when the file itself is the problem.
 */
export class SettingsError extends UserError {
  /** The field that was wrong (`apiKey`, `baseURL`, `model`), when the error is about one. */
  readonly field: string | null;
  /** The settings file that cannot be read, parsed or written, when that is what went wrong. */
  readonly file: string | null;
  constructor(
    message: string,
    field: string | null = null,
    options?: ErrorOptions & { file?: string },
  ) {
    super(message, options);
    this.name = "SettingsError";
    this.field = field;
    this.file = options?.file ?? null;
  }
}

// deno-lint-ignore no-control-regex
const NO_SPACE_OR_CONTROL = /^[^\s\u0000-\u001f\u007f-\u009f]+$/u;

const apiKey = z.string()
  .min(1, "must not be empty")
  .max(500, "must be at most 500 characters")
  .regex(NO_SPACE_OR_CONTROL, "must not contain spaces or control characters");

const baseURL = z.string()
  .max(2000, "must be at most 2000 characters")
  .refine(isHttpUrl, "must be an http:// or https:// URL");

const model = z.string()
  .max(200, "must be at most 200 characters")
  .refine((s) => s.trim() !== "", "must not be empty")
  // deno-lint-ignore no-control-regex
  .refine((s) => !/[\u0000-\u001f\u007f]/u.test(s), "must not contain control characters");

const actionMode = z.enum(["auto", "tags", "native"]);
const approvalMode = z.enum(["auto", "ask"]);
const actionId = z.string().regex(/^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_]*$/, "must be plugin.action");
const alwaysAllowed = z.array(actionId).max(1000);
const maxActionRounds = z.number().int().min(1, "must be at least 1").max(50, "must be at most 50");
const modelList = z.array(model).max(1000);
const origin = z.string().max(2000).superRefine((text, ctx) => {
  const parsed = parseOrigin(text);
  if ("error" in parsed) ctx.addIssue({ code: "custom", message: parsed.error });
}).transform((text) => (parseOrigin(text) as { origin: string }).origin);
const originList = z.array(origin).max(100, "must list at most 100 origins");

const patchSchema = z.strictObject({
  apiKey: apiKey.nullable().optional(),
  baseURL: baseURL.nullable().optional(),
  model: model.nullable().optional(),
  actionMode: actionMode.nullable().optional(),
  approvalMode: approvalMode.nullable().optional(),
  alwaysAllowed: alwaysAllowed.nullable().optional(),
  maxActionRounds: maxActionRounds.nullable().optional(),
  nativeToolsUnsupported: modelList.nullable().optional(),
  streamToolsUnsupported: modelList.nullable().optional(),
  corsOrigins: originList.nullable().optional(),
  autoTitles: z.boolean().nullable().optional(),
});

const storedSchema = z.looseObject({
  apiKey: apiKey.optional(),
  baseURL: baseURL.optional(),
  model: model.optional(),
  actionMode: actionMode.optional(),
  approvalMode: approvalMode.optional(),
  alwaysAllowed: alwaysAllowed.optional(),
  maxActionRounds: maxActionRounds.optional(),
  nativeToolsUnsupported: modelList.optional(),
  streamToolsUnsupported: modelList.optional(),
  corsOrigins: originList.optional(),
  autoTitles: z.boolean().optional(),
});

/**
 * Reads `<dataDir>/settings.json`. A missing file is `{}`. The parsed settings are kept in
 * memory while the file's mtime, size and inode stay the same, so a call costs one `stat`;
 * every call returns its own copy.
 *
 * @throws {SettingsError} naming the file when it is not valid JSON or holds invalid values.
 *
 * @example
 * ```ts
 * const stored = await loadSettings(defaultDataDir());
 * ```
 */
export async function loadSettings(dataDir: string): Promise<StoredSettings> {
  const file = join(dataDir, SETTINGS_FILE);
  // Every request reads the settings: a stat decides whether the parsed copy is current. A
  // sync one: it takes microseconds, where an async one waits for a turn of the event loop.
  let stamp: string;
  try {
    stamp = fileStamp(Deno.statSync(file));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      parsedCache.delete(file);
      return {};
    }
    throw new SettingsError(`cannot read settings file ${file}: ${message(err)}`, null, {
      cause: err,
      file,
    });
  }
  const cached = parsedCache.get(file);
  if (cached?.stamp === stamp) return structuredClone(cached.settings);
  const settings = await readSettingsFile(file);
  parsedCache.set(file, { stamp, settings });
  return structuredClone(settings);
}

// Parsed settings by file, with the stamp of the file they were read from. Keyed by mtime,
// size and inode: saves replace the file by rename (a new inode), so a save from this or
// another process is always seen; only an in-place edit of the same size within the same
// millisecond could be missed.
const parsedCache = new Map<string, { stamp: string; settings: StoredSettings }>();

function fileStamp(info: Deno.FileInfo): string {
  return `${info.mtime?.getTime()}:${info.size}:${info.ino}:${info.dev}`;
}

/**
 * The largest settings file read. Every list and string in it has a maximum, so a file rungpt
 * saved stays far below this, escapes and all.
 */
export const MAX_SETTINGS_BYTES = 4 * 1024 * 1024;

async function readSettingsFile(file: string): Promise<StoredSettings> {
  let text: string;
  try {
    text = await readSmallTextFile(file, MAX_SETTINGS_BYTES);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return {};
    if (err instanceof FileTooLargeError) {
      throw new SettingsError(
        `settings file ${file} is larger than ${MAX_SETTINGS_BYTES} bytes, so it is not ` +
          `rungpt's; fix it or delete it`,
        null,
        { file },
      );
    }
    throw new SettingsError(`cannot read settings file ${file}: ${message(err)}`, null, {
      cause: err,
      file,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SettingsError(
      `settings file ${file} is not valid JSON (${jsonProblem(err)}); fix it or delete it`,
      null,
      { cause: err, file },
    );
  }
  const parsed = storedSchema.safeParse(data);
  if (!parsed.success) {
    const { field, text } = describe(parsed.error);
    throw new SettingsError(
      `settings file ${file} is invalid: ${text}; fix it or delete it`,
      field,
      { file },
    );
  }
  return parsed.data as StoredSettings;
}

// Saves to one file run one after another, so two quick saves cannot lose each other's
// fields (read-modify-write). Keyed by file; entries are dropped once idle.
const queues = new Map<string, Promise<unknown>>();

/** The patch, validated; throws a SettingsError naming the field. */
function validPatch(patch: SettingsPatch): SettingsPatch {
  const parsed = patchSchema.safeParse(patch);
  if (parsed.success) return parsed.data as SettingsPatch;
  const { field, text } = describe(parsed.error);
  throw new SettingsError(`invalid settings: ${text}`, field);
}

/**
 * Applies `patch` to the stored settings, takes `remove`'s entries out of their lists, and
 * writes them atomically (temporary file with mode 0600, then rename). Returns the settings as
 * saved.
 *
 * @throws {SettingsError} naming the field when a value is invalid (nothing is written), or
 * naming the file when the existing file is corrupt.
 *
 * @example
 * ```ts
 * await saveSettings(dir, { apiKey: "sk-...", model: null }); // set the key, clear the model
 * await saveSettings(dir, {}, { alwaysAllowed: ["notes.delete"] }); // revoke one answer
 * ```
 */
export function saveSettings(
  dataDir: string,
  patch: SettingsPatch,
  remove: ListRemovals = {},
): Promise<StoredSettings> {
  try {
    // Refused before it waits for other saves.
    validPatch(patch);
  } catch (e) {
    return Promise.reject(e);
  }
  return updateSettings(dataDir, (current) => {
    const next = { ...patch };
    for (const field of LIST_SETTINGS) {
      const gone = remove[field];
      if (!gone?.length) continue;
      const list = patch[field] === undefined ? current[field] : patch[field];
      next[field] = (list ?? []).filter((entry) => !gone.includes(entry));
    }
    return next;
  });
}

/** The settings that are lists of names. */
export const LIST_SETTINGS = [
  "alwaysAllowed",
  "nativeToolsUnsupported",
  "streamToolsUnsupported",
] as const;

/**
 * Entries to take out of list settings, from the list as saved at that moment: a page that
 * sent back its whole list minus one would drop what another tab added meanwhile.
 */
export type ListRemovals = Partial<Record<(typeof LIST_SETTINGS)[number], string[]>>;

/**
 * Computes a patch from the current settings and applies it, as one step in the queue of
 * saves to this file: use it whenever the new value depends on the old one (adding to a
 * list), so two updates at once cannot lose one. `change` returns `null` when there is
 * nothing to change: then nothing is written. Returns the settings as saved.
 *
 * @throws {SettingsError} as {@linkcode saveSettings} does.
 *
 * @example
 * ```ts
 * const allow = (s: StoredSettings) => s.alwaysAllowed?.includes("a.b")
 *   ? null
 *   : { alwaysAllowed: [...(s.alwaysAllowed ?? []), "a.b"] };
 * await updateSettings(dir, allow);
 * ```
 */
export function updateSettings(
  dataDir: string,
  change: (current: StoredSettings) => SettingsPatch | null,
): Promise<StoredSettings> {
  const file = join(dataDir, SETTINGS_FILE);
  const previous = queues.get(file) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(async () => {
    const current = await loadSettings(dataDir);
    const wanted = change(structuredClone(current));
    if (wanted === null) return current;
    const next: StoredSettings = { ...current };
    for (const [key, value] of Object.entries(validPatch(wanted))) {
      if (value === undefined) continue;
      if (value === null) delete next[key];
      else next[key] = value;
    }
    parsedCache.delete(file);
    await writeFileAtomic(file, JSON.stringify(next, null, 2) + "\n");
    return next;
  });
  queues.set(file, run);
  const cleanup = () => {
    if (queues.get(file) === run) queues.delete(file);
  };
  run.then(cleanup, cleanup);
  return run;
}

/**
 * Forgets the "Always allow" answers given for `plugin`'s actions (`<plugin>.<action>` in
 * `alwaysAllowed`), so that a plugin installed later under the same name, from anywhere, asks
 * first again. Called when a plugin is removed.
 *
 * @example
 * ```ts
 * await forgetPluginApprovals(dataDir, "notes"); // drops "notes.delete", keeps "todo.add"
 * ```
 */
export async function forgetPluginApprovals(dataDir: string, plugin: string): Promise<void> {
  await updateSettings(dataDir, (current) => {
    const all = current.alwaysAllowed ?? [];
    const kept = all.filter((id) => !id.startsWith(`${plugin}.`));
    return kept.length === all.length ? null : { alwaysAllowed: kept.length ? kept : null };
  });
}

/**
 * The effective provider values: a value in the settings wins; else the environment
 * (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `RUNGPT_MODEL`); else `null`.
 *
 * @example
 * ```ts
 * providerConfig({ model: "gpt-4o" }, { OPENAI_API_KEY: "sk-x" });
 * // => { apiKey: "sk-x", baseURL: null, model: "gpt-4o" }
 * ```
 */
export function providerConfig(
  stored: StoredSettings,
  env: Env = Deno.env.toObject(),
): ProviderConfig {
  return {
    apiKey: pick(stored.apiKey, env.OPENAI_API_KEY).value,
    baseURL: pick(stored.baseURL, env.OPENAI_BASE_URL).value,
    model: pick(stored.model, env.RUNGPT_MODEL).value,
  };
}

/**
 * The settings as the browser may see them: whether a key is set and a masked hint of it,
 * never the key.
 *
 * @example
 * ```ts
 * publicSettings({ apiKey: "sk-proj-0123456789abcd" }, {}).apiKeyMasked; // => "sk-…abcd"
 * ```
 */
export function publicSettings(
  stored: StoredSettings,
  env: Env = Deno.env.toObject(),
): PublicSettings {
  const key = pick(stored.apiKey, env.OPENAI_API_KEY);
  const url = pick(stored.baseURL, env.OPENAI_BASE_URL);
  const mdl = pick(stored.model, env.RUNGPT_MODEL);
  return {
    apiKeySet: key.value !== null,
    apiKeyMasked: key.value === null ? null : maskApiKey(key.value),
    apiKeySource: key.source,
    baseURL: url.value,
    baseURLSource: url.source,
    model: mdl.value,
    modelSource: mdl.source,
    actions: actionSettings(stored, env),
    cors: { origins: stored.corsOrigins ?? [], envOrigins: envCorsOrigins(env) },
    autoTitles: autoTitles(stored, env),
  };
}

/**
 * The origins `RUNGPT_CORS_ORIGINS` lists (comma-separated, exact origins). The server checks it
 * at start-up, so a mistake is a one-line error rather than a browser client that is refused.
 *
 * @throws {SettingsError} naming the variable and the entry that is not an origin.
 *
 * @example
 * ```ts
 * envCorsOrigins({ RUNGPT_CORS_ORIGINS: "https://app.example.com" }); // ["https://app.example.com"]
 * ```
 */
export function envCorsOrigins(env: Env): string[] {
  try {
    return parseOriginList(env.RUNGPT_CORS_ORIGINS ?? "");
  } catch (e) {
    throw new SettingsError(`RUNGPT_CORS_ORIGINS: ${(e as Error).message}`, "RUNGPT_CORS_ORIGINS");
  }
}

/**
 * Every origin allowed to call `/v1` from a browser: `RUNGPT_CORS_ORIGINS` and the saved ones.
 *
 * @example
 * ```ts
 * corsOrigins({ corsOrigins: ["https://a.example"] }, { RUNGPT_CORS_ORIGINS: "https://b.example" });
 * // ["https://b.example", "https://a.example"]
 * ```
 */
export function corsOrigins(stored: StoredSettings, env: Env = Deno.env.toObject()): string[] {
  return [...new Set([...envCorsOrigins(env), ...(stored.corsOrigins ?? [])])];
}

/**
 * A hint of a key that is safe to show: a short type prefix such as `sk-` and the last 4
 * characters of keys of 12 characters or more; just `…` for shorter keys.
 *
 * @example
 * ```ts
 * maskApiKey("sk-proj-0123456789abcd"); // => "sk-…abcd"
 * maskApiKey("short"); // => "…"
 * ```
 */
export function maskApiKey(key: string): string {
  if (key.length < 12) return "…";
  const prefix = /^[A-Za-z]{1,4}[-_]/.exec(key)?.[0] ?? "";
  return `${prefix}…${key.slice(-4)}`;
}

function pick(
  stored: unknown,
  fromEnv: string | undefined,
): { value: string | null; source: SettingSource } {
  if (typeof stored === "string" && stored !== "") return { value: stored, source: "settings" };
  const e = fromEnv?.trim();
  if (e) return { value: e, source: "env" };
  return { value: null, source: null };
}

/** Writes `text` to `file` through a 0600 temporary file and a rename, then re-chmods. */
async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(tmp, text, { mode: 0o600, createNew: true });
    if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o600);
    await Deno.rename(tmp, file);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw new SettingsError(`cannot write settings file ${file}: ${message(err)}`, null, {
      cause: err,
      file,
    });
  }
  // The rename keeps the temp file's mode; chmod again in case the target was replaced
  // by something looser in between.
  if (Deno.build.os !== "windows") await Deno.chmod(file, 0o600);
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

function describe(error: z.ZodError): { field: string | null; text: string } {
  const first = error.issues[0];
  const field = first?.path.length
    ? String(first.path[0])
    : first?.code === "unrecognized_keys"
    ? first.keys[0] ?? null
    : null;
  const text = error.issues
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
  return { field, text };
}

/**
 * What `JSON.parse` said, without the text of the file that some of its messages quote
 * (`Unexpected token ''', ...""apiKey": 'sk-proj-…"... is not valid JSON`): the key may stand
 * right there, and the message reaches the browser.
 */
function jsonProblem(err: unknown): string {
  return message(err).replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, "");
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
