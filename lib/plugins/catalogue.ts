/**
 * The plugin catalogue: what the Plugins page offers to install. It is read from YAML files,
 * the checkout's `examples/catalogue.yaml` and the user's `<data dir>/catalogue.yaml`, each a
 * list of `{ name, source, description, permissions? }`; a relative `source` is relative to
 * its file. What an entry may touch is read from the plugin's own manifest where it is on this
 * machine, so a catalogue cannot understate it; for a GitHub source the catalogue's
 * `permissions` text is shown, marked as the catalogue's words (the consent dialog shows the
 * truth before anything is installed).
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { grantsFor } from "./consent.ts";
import { loadManifest, type Manifest, PLUGIN_NAME } from "./manifest.ts";
import { parseSource, sourceLabel } from "./source.ts";

/** The catalogue shipped in the checkout. */
export const BUNDLED_CATALOGUE: string = fileURLToPath(
  new URL("../../examples/catalogue.yaml", import.meta.url),
);

/** The user's own catalogue file in the data dir. */
export function userCatalogue(dataDir: string): string {
  return join(dataDir, "catalogue.yaml");
}

/** Largest catalogue file read, in bytes. */
export const MAX_CATALOGUE_BYTES = 256 * 1024;

const entrySchema = z.object({
  name: z.string().regex(PLUGIN_NAME, "must be a plugin name: a-z, 0-9, - and _"),
  /** `user/repo[@ref]`, a GitHub URL, or a folder (relative to the catalogue file). */
  source: z.string().min(1).max(300),
  description: z.string().min(1).max(300),
  /** What it may touch, in words: shown only when the manifest cannot be read here. */
  permissions: z.string().max(300).optional(),
}).strict();

const fileSchema = z.object({ plugins: z.array(entrySchema).max(200) }).strict();

/** What a catalogue entry may touch, from its manifest. */
export interface CatalogueAccess {
  apis: string[];
  hosts: string[];
  fs: { path: string; access: "read" | "read-write" }[];
  secrets: string[];
}

/** One installable plugin, as the page shows it. */
export interface CatalogueEntry {
  name: string;
  /** What to install: `user/repo[@ref]` or the folder's absolute path. */
  source: string;
  description: string;
  /** From the manifest, when the source is a folder here; else `null`. */
  access: CatalogueAccess | null;
  /** The catalogue's own words on what it may touch (GitHub sources). */
  permissions: string | null;
  /** Why the folder's manifest could not be read (the entry is then not installable). */
  problem: string | null;
  /** The catalogue file that lists it. */
  file: string;
}

/** The entries of every file, and one line per file that could not be read. */
export interface Catalogue {
  entries: CatalogueEntry[];
  problems: string[];
}

/**
 * Reads the catalogue files in order (a missing file is empty); a later entry of the same name
 * replaces an earlier one, so the user's file can override the checkout's.
 *
 * @example
 * ```ts
 * const { entries } = await loadCatalogue([BUNDLED_CATALOGUE, userCatalogue(dataDir)]);
 * ```
 */
export async function loadCatalogue(files: string[]): Promise<Catalogue> {
  const byName = new Map<string, CatalogueEntry>();
  const problems: string[] = [];
  for (const file of files) {
    try {
      for (const entry of await readCatalogueFile(file)) byName.set(entry.name, entry);
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
    }
  }
  return { entries: [...byName.values()], problems };
}

/** The entries of one file; throws naming what is wrong with it. */
async function readCatalogueFile(file: string): Promise<CatalogueEntry[]> {
  const info = await Deno.stat(file).catch(() => undefined);
  if (!info) return [];
  if (!info.isFile || info.size > MAX_CATALOGUE_BYTES) {
    throw new Error(`must be a file of at most ${MAX_CATALOGUE_BYTES} bytes`);
  }
  const parsed = fileSchema.safeParse(
    parseYaml(await Deno.readTextFile(file), { maxAliasCount: 100 }),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return await Promise.all(parsed.data.plugins.map((e) => describe(e, file)));
}

/** An entry with its source resolved and, for a folder, what its manifest asks for. */
async function describe(
  entry: z.infer<typeof entrySchema>,
  file: string,
): Promise<CatalogueEntry> {
  const base = { name: entry.name, description: entry.description, file };
  const none = { access: null, permissions: entry.permissions ?? null };
  let source;
  try {
    source = parseSource(entry.source, { cwd: dirname(file) });
  } catch (e) {
    return { ...base, ...none, source: entry.source, problem: (e as Error).message };
  }
  const label = sourceLabel(source) + (source.ref ? `@${source.ref}` : "");
  if (source.kind === "github") return { ...base, ...none, source: label, problem: null };
  try {
    const manifest = await loadManifest(source.path);
    return {
      ...base,
      name: manifest.name,
      source: label,
      access: accessOf(manifest),
      permissions: null,
      problem: null,
    };
  } catch (e) {
    return { ...base, ...none, source: label, problem: (e as Error).message };
  }
}

/** What a manifest asks for. */
function accessOf(manifest: Manifest): CatalogueAccess {
  const { apis, net, fs, secrets } = grantsFor(manifest);
  return { apis, hosts: net.hosts, fs, secrets };
}
