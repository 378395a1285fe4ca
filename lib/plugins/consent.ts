/**
 * Consent: what a plugin will get (APIs, hosts, paths, secrets), the grants recorded when the
 * user agrees, and the difference an update makes (an update asking for more asks again).
 * @module
 */
import type { FsPermission, Manifest } from "./manifest.ts";
import type { Grants } from "./lockfile.ts";
import { DEFAULT_QUOTA, type QuotaLimits } from "./host/quota.ts";
import { formatSize } from "./quota_size.ts";
import { escapeControls } from "../text/escape_controls.ts";

/**
 * The `path` of a filesystem grant covering the plugin's whole data dir: what `rungpt:fs` gets
 * when the manifest lists no `permissions.fs`.
 */
export const WHOLE_DATA_DIR = ".";

/**
 * The files a manifest gets through `rungpt:fs`: none without that API; the whole data dir,
 * read-write, when `permissions.fs` is absent; else the listed subpaths.
 *
 * @example
 * ```ts
 * fsGrantsFor(manifest); // [{ path: ".", access: "read-write" }]
 * ```
 */
export function fsGrantsFor(manifest: Manifest): FsPermission[] {
  if (!manifest.apis.includes("rungpt:fs")) return [];
  const declared = manifest.permissions.fs;
  if (!declared) return [{ path: WHOLE_DATA_DIR, access: "read-write" }];
  return declared.map((f) => ({ path: f.path, access: f.access }));
}

/**
 * One filesystem grant in words, for the terminal.
 *
 * @example
 * ```ts
 * describeFsGrant({ path: ".", access: "read-write" }); // "whole data dir (read-write)"
 * ```
 */
export function describeFsGrant(f: FsPermission): string {
  return `${f.path === WHOLE_DATA_DIR ? "whole data dir" : escapeControls(f.path)} (${f.access})`;
}

/**
 * A data dir quota in words.
 *
 * @example
 * ```ts
 * describeQuota(DEFAULT_QUOTA); // "up to 100 MB in 10,000 files and folders"
 * ```
 */
export function describeQuota(q: QuotaLimits): string {
  return `up to ${formatSize(q.bytes)} in ${q.files.toLocaleString("en")} files and folders`;
}

/** Whether grant `outer` already allows everything `inner` asks for. */
function coversFs(outer: FsPermission, inner: FsPermission): boolean {
  const segs = (p: string) => p.split("/").filter((s) => s !== "" && s !== ".");
  const o = segs(outer.path), i = segs(inner.path);
  const below = o.length <= i.length && o.every((s, n) => s === i[n]);
  return below && (outer.access === "read-write" || inner.access === "read");
}

/** What an update asks for beyond the current grants. */
export interface PermissionDiff {
  apis: string[];
  hosts: string[];
  /**
   * Paths not covered by the current grants: new ones, `read` turned into `read-write`, or a
   * widening to the whole data dir.
   */
  fs: FsPermission[];
  secrets: string[];
  /** Private network access newly requested. */
  allowPrivate: boolean;
}

/** Everything the user is asked to agree to, for the CLI prompt and the browser dialog. */
export interface ConsentSummary {
  name: string;
  version: string;
  description: string;
  /** `user/repo`. */
  source: string;
  /** The full clone URL it comes from. */
  url: string;
  /** The resolved tag, branch or commit id, and the commit. */
  ref: string;
  commit: string;
  apis: string[];
  hosts: string[];
  fs: FsPermission[];
  /**
   * The most its data dir may hold (bytes, and files and folders), when it gets files; the
   * user can raise it later (`rungpt plugin quota`).
   */
  quota: QuotaLimits | null;
  /** Secret settings the plugin asks the user for (e.g. an API key for its service). */
  secrets: string[];
  /** Non-secret settings. */
  settings: string[];
  actions: { name: string; description: string; confirm: boolean }[];
  /** `<plugin>:<api>` this plugin offers to others. */
  provides: string[];
  allowPrivateNetwork: boolean;
  /**
   * Set for an update: the installed version, what is new, the actions that asked first and
   * no longer do, and, when the update moves the plugin to another clone URL, the URL it was
   * installed from (that always asks).
   */
  update?: {
    previousVersion: string;
    added: PermissionDiff;
    /**
     * Actions the installed version marks `confirm: true` (the user is asked before each
     * run) that the new version runs without asking: an update taking that away asks again.
     */
    noLongerAsks: string[];
    /**
     * Settings with a saved value that the installed version kept hidden (secret, or not
     * declared) and this version would show (declared, not secret): the saved secret would be
     * printed by `rungpt plugin info` and shown on the plugin's page.
     */
    unhides: string[];
    needsConsent: boolean;
    movedFrom?: string;
  };
}

/**
 * The grants that follow from agreeing to `manifest`.
 *
 * @example
 * ```ts
 * grantsFor(manifest).net.hosts; // ["api.example.com"]
 * ```
 */
export function grantsFor(
  manifest: Manifest,
  opts: { allowPrivateNetwork?: boolean } = {},
): Grants {
  return {
    apis: [...manifest.apis],
    net: {
      hosts: [...(manifest.permissions.net?.hosts ?? [])],
      allowPrivate: opts.allowPrivateNetwork ?? false,
    },
    fs: fsGrantsFor(manifest),
    secrets: Object.entries(manifest.config).filter(([, c]) => c.secret).map(([k]) => k),
  };
}

/** What `next` asks for that `current` did not grant. */
export function diffGrants(current: Grants, next: Grants): PermissionDiff {
  const had = (list: string[]) => (x: string) => !list.includes(x);
  return {
    apis: next.apis.filter(had(current.apis)),
    hosts: next.net.hosts.filter(had(current.net.hosts)),
    fs: next.fs.filter((f) => !current.fs.some((c) => coversFs(c, f))),
    secrets: next.secrets.filter(had(current.secrets)),
    allowPrivate: next.net.allowPrivate && !current.net.allowPrivate,
  };
}

/** True when `diff` asks for anything new. */
export function asksForMore(diff: PermissionDiff): boolean {
  return diff.apis.length > 0 || diff.hosts.length > 0 || diff.fs.length > 0 ||
    diff.secrets.length > 0 || diff.allowPrivate;
}

/**
 * The actions of `manifest` that ask the user before each run (`confirm: true`).
 *
 * @example
 * ```ts
 * askingActions(manifest); // ["send_email"]
 * ```
 */
export function askingActions(manifest: Manifest): string[] {
  return manifest.actions.filter((a) => a.confirm).map((a) => a.name);
}

/**
 * The settings of `manifest` whose value is shown (declared and not secret).
 *
 * @example
 * ```ts
 * shownSettings(manifest); // ["units"]
 * ```
 */
export function shownSettings(manifest: Manifest): string[] {
  return Object.entries(manifest.config).filter(([, c]) => !c.secret).map(([k]) => k);
}

/**
 * Of the settings with a saved value (`saved`), those `next` would show that were not shown
 * before (`shownBefore`: the installed version's {@linkcode shownSettings}, or none when its
 * manifest cannot be read): a secret made plain, or a plain setting under the name of one.
 *
 * @example
 * ```ts
 * unhiddenSettings(next, ["api_key", "units"], ["units"]); // ["api_key"] when next shows it
 * ```
 */
export function unhiddenSettings(
  next: Manifest,
  saved: readonly string[],
  shownBefore: readonly string[] = [],
): string[] {
  const shownNow = shownSettings(next);
  return saved.filter((key) => shownNow.includes(key) && !shownBefore.includes(key));
}

/** What an update is compared with: the installed version. */
export interface PreviousInstall {
  version: string;
  grants: Grants;
  url: string;
  /** Its {@linkcode askingActions}; omitted when its manifest cannot be read. */
  asking?: readonly string[];
  /** Saved settings this update would show ({@linkcode unhiddenSettings}). */
  unhides?: readonly string[];
  /** The quota the user set for the installed version, which the update keeps. */
  quota?: QuotaLimits;
}

/** Builds the summary shown before install or update (`previous` set for an update). */
export function summarize(
  manifest: Manifest,
  origin: { source: string; url: string; ref: string; commit: string },
  grants: Grants,
  previous?: PreviousInstall,
): ConsentSummary {
  const added = previous ? diffGrants(previous.grants, grants) : undefined;
  const movedFrom = previous && previous.url !== origin.url ? previous.url : undefined;
  const unhides = [...(previous?.unhides ?? [])];
  const noLongerAsks = (previous?.asking ?? []).filter((name) =>
    manifest.actions.some((a) => a.name === name && !a.confirm)
  );
  return {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    ...origin,
    apis: grants.apis,
    hosts: grants.net.hosts,
    fs: grants.fs,
    quota: grants.fs.length ? { ...(previous?.quota ?? DEFAULT_QUOTA) } : null,
    secrets: grants.secrets,
    settings: shownSettings(manifest),
    actions: manifest.actions.map((a) => ({
      name: a.name,
      description: a.description,
      confirm: a.confirm,
    })),
    provides: manifest.provides.map((p) => `${manifest.name}:${p.name}`),
    allowPrivateNetwork: grants.net.allowPrivate,
    ...(previous && added
      ? {
        update: {
          previousVersion: previous.version,
          added,
          noLongerAsks,
          unhides,
          needsConsent: asksForMore(added) || noLongerAsks.length > 0 || unhides.length > 0 ||
            movedFrom !== undefined,
          ...(movedFrom ? { movedFrom } : {}),
        },
      }
      : {}),
  };
}

/**
 * Renders a summary as plain text for the terminal.
 *
 * @example
 * ```ts
 * console.log(formatSummary(summary));
 * ```
 */
export function formatSummary(s: ConsentSummary): string {
  const list = (xs: string[]) => xs.length ? xs.map(escapeControls).join(", ") : "none";
  const mark = (x: string, added: string[] | undefined) => added?.includes(x) ? `${x} (new)` : x;
  const add = s.update?.added;
  const lines = [
    s.update
      ? `Update ${escapeControls(s.name)} ${escapeControls(s.update.previousVersion)} -> ${
        escapeControls(s.version)
      }`
      : `Install ${escapeControls(s.name)} ${escapeControls(s.version)}`,
    `  from:     ${escapeControls(s.url)} @ ${escapeControls(s.ref)} (${s.commit.slice(0, 12)})`,
    ...(s.update?.movedFrom
      ? [`  moved:    was installed from ${escapeControls(s.update.movedFrom)} (new source)`]
      : []),
    `  about:    ${escapeControls(s.description)}`,
    `  APIs:     ${list(s.apis.map((a) => mark(a, add?.apis)))}`,
    `  network:  ${list(s.hosts.map((h) => mark(h, add?.hosts)))}` +
    (s.allowPrivateNetwork ? " + private/loopback addresses" : ""),
    `  files:    ${
      list(s.fs.map((f) => {
        const isNew = add?.fs.some((g) => g.path === f.path);
        return `${describeFsGrant(f)}${isNew ? " (new)" : ""}`;
      }))
    }`,
    ...(s.quota ? [`  quota:    ${describeQuota(s.quota)}`] : []),
    `  secrets:  ${list(s.secrets.map((x) => mark(x, add?.secrets)))}`,
    `  settings: ${list(s.settings)}`,
    ...(s.update?.unhides.length
      ? [
        `  unhides:  ${
          list(s.update.unhides)
        } (kept secret until now: the saved value would be shown)`,
      ]
      : []),
    `  actions:  ${
      list(s.actions.map((a) =>
        a.confirm
          ? `${a.name} (asks first)`
          : s.update?.noLongerAsks.includes(a.name)
          ? `${a.name} (no longer asks first)`
          : a.name
      ))
    }`,
  ];
  if (s.provides.length) lines.push(`  provides: ${list(s.provides)}`);
  if (s.update && !s.update.needsConsent) lines.push("  (asks for nothing new)");
  return lines.join("\n");
}
