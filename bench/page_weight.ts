/**
 * Page weight: bytes of the first load of `/` and of a conversation page: the HTML, and the
 * JS and CSS it pulls in (script, modulepreload and stylesheet tags, and the static imports
 * of those scripts, i.e. the chunks loaded on first paint; dynamic `import()` is not
 * followed). Each file is requested with `Accept-Encoding: gzip, br`; "sent" is what rungpt
 * put on the wire, gzip/br what a compressing server would send (level 9 / quality 11).
 * @module
 */
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { spawnRungpt } from "./procs.ts";
import type { Figure } from "./report.ts";
import { seedConversation, withStore } from "./seed.ts";

/** A fetched resource's sizes, in bytes. */
export interface Resource {
  url: string;
  kind: "html" | "js" | "css";
  sent: number;
  encoding: string | null;
  raw: number;
  gzip: number;
  br: number;
}

/** URLs of scripts, module preloads and stylesheets in `html`, in order, without duplicates. */
export function pageAssets(html: string): Array<{ kind: "js" | "css"; href: string }> {
  const out: Array<{ kind: "js" | "css"; href: string }> = [];
  const seen = new Set<string>();
  for (const tag of html.match(/<(?:script|link)\b[^>]*>/gi) ?? []) {
    const src = tag.match(/\b(?:src|href)=["']([^"']+)["']/i)?.[1];
    if (!src || seen.has(src)) continue;
    if (/^<script/i.test(tag) || /rel=["']?modulepreload/i.test(tag)) {
      out.push({ kind: "js", href: src });
    } else if (/rel=["']?stylesheet/i.test(tag)) out.push({ kind: "css", href: src });
    else continue;
    seen.add(src);
  }
  return out;
}

/** Static import specifiers of an ES module's text (`import … from "x"`, `import "x"`). */
export function staticImports(js: string): string[] {
  const out = new Set<string>();
  for (
    const m of js.matchAll(
      /(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/g,
    )
  ) {
    out.add(m[1]);
  }
  return [...out];
}

async function fetchResource(
  url: string,
  kind: Resource["kind"],
): Promise<Resource & { text: string }> {
  const res = await fetch(url, { headers: { "accept-encoding": "gzip, br" } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const encoding = res.headers.get("content-encoding");
  const body = new Uint8Array(await res.arrayBuffer());
  const gzip = gzipSync(body, { level: 9 }).length;
  const br = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;
  // Deno's fetch decodes the body; re-encode with the CompressionStream the server uses.
  const sent = encoding === "gzip"
    ? (await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer()).byteLength
    : encoding === "br"
    ? br
    : body.length;
  return {
    url,
    kind,
    sent,
    encoding,
    raw: body.length,
    gzip,
    br,
    text: new TextDecoder().decode(body),
  };
}

/** Loads `pageUrl` like a first visit and returns every resource it pulls in at first paint. */
export async function loadPage(pageUrl: string): Promise<Resource[]> {
  const html = await fetchResource(pageUrl, "html");
  const out: Array<Resource & { text: string }> = [html];
  const queue = pageAssets(html.text).map((a) => ({ ...a, url: new URL(a.href, pageUrl).href }));
  const seen = new Set(queue.map((q) => q.url));
  for (let i = 0; i < queue.length && i < 200; i++) {
    const r = await fetchResource(queue[i].url, queue[i].kind);
    out.push(r);
    if (r.kind !== "js") continue;
    for (const spec of staticImports(r.text)) {
      const url = new URL(spec, r.url).href;
      if (!seen.has(url)) {
        seen.add(url);
        queue.push({ kind: "js", href: spec, url });
      }
    }
  }
  return out.map(({ text: _, ...r }) => r);
}

/** Runs the page weight benchmark. */
export async function benchPageWeight(log: (s: string) => void): Promise<Figure[]> {
  const area = "page";
  const figures: Figure[] = [];
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-bench-page-" });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-bench-plugins-" });
  try {
    const { conversationId } = await withStore(dataDir, (s) => seedConversation(s, 20));
    const rg = await spawnRungpt({ dataDir, pluginsDir });
    try {
      for (const [label, path] of [["/", "/"], ["conversation", `/c/${conversationId}`]]) {
        const resources = await loadPage(`${rg.origin}${path}`);
        const sum = (kind: string, k: "sent" | "gzip" | "br" | "raw") =>
          resources.filter((r) => r.kind === kind).reduce((a, r) => a + r[k], 0) / 1024;
        const encodings = [...new Set(resources.map((r) => r.encoding ?? "identity"))].join("/");
        for (const kind of ["html", "js", "css"] as const) {
          const n = resources.filter((r) => r.kind === kind).length;
          figures.push({
            area,
            name: `${label}: ${kind.toUpperCase()} sent`,
            value: sum(kind, "sent"),
            unit: "KB",
            baseline: sum(kind, "gzip"),
            baselineName: "gzip -9",
            ...(kind === "js" ? { target: { op: "<" as const, limit: 60 } } : {}),
            note: `${n} file(s); raw ${sum(kind, "raw").toFixed(1)} KB, br ${
              sum(kind, "br").toFixed(1)
            } KB; server encodings: ${encodings}`,
          });
        }
      }
    } finally {
      await rg.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(pluginsDir, { recursive: true }).catch(() => {});
  }
  log("page: done");
  return figures;
}
