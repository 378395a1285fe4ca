/**
 * What the browser sees of installed plugins: manifest facts, grants, state and settings,
 * with secret values replaced by whether they are set.
 * @module
 */
import { fsGrantsFor } from "./consent.ts";
import { type ConfigValue, type InstalledPlugin, quotaOf } from "./installed.ts";
import type { QuotaLimits } from "./host/quota.ts";
import type { ActionSpec } from "./manifest.ts";

/** One setting on the plugin's page. */
export interface SettingView {
  key: string;
  type: "string" | "number" | "boolean";
  description: string;
  secret: boolean;
  enum?: (string | number)[];
  default?: ConfigValue;
  /** The effective value; `null` for secrets (never sent to the browser). */
  value: ConfigValue | null;
  /** For secrets: whether the user set one. */
  isSet: boolean;
}

/** A plugin as listed on /plugins. */
export interface PluginView {
  name: string;
  version: string;
  description: string;
  source: string;
  /** The clone URL it was installed from. */
  url: string;
  ref: string;
  commit: string;
  installedAt: string;
  enabled: boolean;
  /** Why it cannot load, if it cannot. */
  error: string | null;
  apis: string[];
  hosts: string[];
  allowPrivateNetwork: boolean;
  fs: { path: string; access: "read" | "read-write" }[];
  /** The most its data dir may hold (`rungpt plugin quota` changes it). */
  quota: QuotaLimits;
  actions: Pick<ActionSpec, "name" | "description" | "confirm" | "parameters">[];
  provides: string[];
  settings: SettingView[];
}

/**
 * @example
 * ```ts
 * const view = pluginView(installed, userValues);
 * ```
 */
export function pluginView(
  p: InstalledPlugin,
  effective: Record<string, ConfigValue>,
  userSet: Record<string, unknown>,
): PluginView {
  const m = p.manifest;
  return {
    name: p.name,
    version: m?.version ?? p.lock.version,
    description: m?.description ?? "",
    source: p.lock.source,
    url: p.lock.url,
    ref: p.lock.ref,
    commit: p.lock.commit,
    installedAt: p.lock.installedAt,
    enabled: p.enabled,
    error: p.error,
    apis: p.lock.grants.apis,
    hosts: p.lock.grants.net.hosts,
    allowPrivateNetwork: p.lock.grants.net.allowPrivate,
    // What rungpt:fs really gets, from the manifest (older lockfiles recorded no paths for the
    // whole data dir).
    fs: m ? fsGrantsFor(m) : p.lock.grants.fs,
    quota: quotaOf(p.lock),
    actions: (m?.actions ?? []).map((a) => ({
      name: a.name,
      description: a.description,
      confirm: a.confirm,
      parameters: a.parameters,
    })),
    provides: (m?.provides ?? []).map((api) => `${p.name}:${api.name}`),
    settings: Object.entries(m?.config ?? {}).map(([key, spec]) => ({
      key,
      type: spec.type,
      description: spec.description,
      secret: spec.secret,
      ...(spec.enum ? { enum: spec.enum } : {}),
      ...(spec.default !== undefined && !spec.secret ? { default: spec.default } : {}),
      value: spec.secret ? null : effective[key] ?? null,
      isSet: Object.hasOwn(userSet, key),
    })),
  };
}
