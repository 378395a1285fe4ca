/**
 * Web origins allowed to call `/v1` from a browser (CORS): how one is written, checked and
 * normalised, from `RUNGPT_CORS_ORIGINS` or the settings.
 * @module
 */

/**
 * The origin `text` names, normalised (`https://app.example.com`, `http://localhost:5173`), or
 * an error message saying what is wrong with it. Only a bare `scheme://host[:port]` is an
 * origin; `*` is refused: every browser client is listed by name.
 *
 * @example
 * ```ts
 * parseOrigin("https://App.Example.com/"); // { origin: "https://app.example.com" }
 * parseOrigin("*"); // { error: "\"*\" is not accepted: list each origin, e.g. https://app.example.com" }
 * ```
 */
export function parseOrigin(text: string): { origin: string } | { error: string } {
  const raw = text.trim();
  if (raw === "*") {
    return { error: `"*" is not accepted: list each origin, e.g. https://app.example.com` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: `"${raw}" is not an origin: write it as scheme://host[:port]` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { error: `"${raw}" is not an origin: it must start with http:// or https://` };
  }
  const bare = url.pathname === "/" && !raw.endsWith("//") && !url.search && !url.hash &&
    !raw.includes("?") && !raw.includes("#");
  if (!bare || url.username || url.password) {
    return {
      error: `"${raw}" is not an origin: write only scheme://host[:port] (${url.origin}), ` +
        "without a path, query or user name",
    };
  }
  return { origin: url.origin };
}

/**
 * The origins of a comma-separated list (blank entries skipped), normalised.
 *
 * @throws {Error} naming the first entry that is not an origin, and why.
 *
 * @example
 * ```ts
 * parseOriginList("https://a.example, http://localhost:5173"); // ["https://a.example", "http://localhost:5173"]
 * ```
 */
export function parseOriginList(list: string): string[] {
  const out: string[] = [];
  for (const entry of list.split(",")) {
    if (entry.trim() === "") continue;
    const parsed = parseOrigin(entry);
    if ("error" in parsed) throw new Error(parsed.error);
    if (!out.includes(parsed.origin)) out.push(parsed.origin);
  }
  return out;
}
