/**
 * Persistence for rungpt: the {@linkcode Store} interface and its SQLite backend, schema
 * migrations, where files live, user settings (API key, base URL, model) and the local API
 * access token.
 *
 * @example
 * ```ts
 * import { defaultDataDir, ensureDir, openSqliteStore } from "./lib/store/mod.ts";
 * const dir = defaultDataDir();
 * await ensureDir(dir);
 * const store = await openSqliteStore(`${dir}/rungpt.db`);
 * await store.recoverInterrupted();
 * ```
 * @module
 */

export type * from "./types.ts";
export {
  type Attachment,
  type AttachmentKind,
  type AttachmentRecords,
  attachmentSummary,
  type AttachmentWithText,
  type NewAttachment,
} from "./attachments.ts";
export { StoreError, type StoreErrorCode } from "./errors.ts";
export { openSqliteStore } from "./sqlite.ts";
export {
  migrate,
  type Migration,
  MigrationError,
  MIGRATIONS,
  SchemaTooNewError,
  schemaVersion,
} from "./migrations.ts";
export { toFtsQuery } from "./fts_query.ts";
export { defaultDataDir, defaultPluginsDir, ensureDir, type Env, type OS } from "./paths.ts";
export {
  LIST_SETTINGS,
  type ListRemovals,
  loadSettings,
  maskApiKey,
  type ProviderConfig,
  providerConfig,
  type PublicSettings,
  publicSettings,
  saveSettings,
  SETTINGS_FILE,
  SettingsError,
  type SettingSource,
  type SettingsPatch,
  type StoredSettings,
} from "./settings.ts";
export {
  API_TOKEN_FILE,
  API_TOKEN_PREFIX,
  generateApiToken,
  loadOrCreateApiToken,
  tokensEqual,
} from "./token.ts";
