/**
 * Code highlighting with highlight.js, loaded on demand: the core and each language are
 * separate chunks fetched the first time a code block needs them. Browser only.
 * @module
 */
// deno-lint-ignore-file no-explicit-any
type LanguageModule = { default: any };
type HljsCore = {
  registerLanguage(name: string, fn: any): void;
  getLanguage(name: string): unknown;
  highlightElement(el: HTMLElement): void;
};

/** Languages we can load, by highlight.js name. Explicit imports so the bundler splits them. */
const LOADERS: Record<string, () => Promise<LanguageModule>> = {
  bash: () => import("highlight.js/lib/languages/bash"),
  c: () => import("highlight.js/lib/languages/c"),
  cpp: () => import("highlight.js/lib/languages/cpp"),
  csharp: () => import("highlight.js/lib/languages/csharp"),
  css: () => import("highlight.js/lib/languages/css"),
  diff: () => import("highlight.js/lib/languages/diff"),
  dockerfile: () => import("highlight.js/lib/languages/dockerfile"),
  go: () => import("highlight.js/lib/languages/go"),
  ini: () => import("highlight.js/lib/languages/ini"),
  java: () => import("highlight.js/lib/languages/java"),
  javascript: () => import("highlight.js/lib/languages/javascript"),
  json: () => import("highlight.js/lib/languages/json"),
  kotlin: () => import("highlight.js/lib/languages/kotlin"),
  lua: () => import("highlight.js/lib/languages/lua"),
  makefile: () => import("highlight.js/lib/languages/makefile"),
  markdown: () => import("highlight.js/lib/languages/markdown"),
  php: () => import("highlight.js/lib/languages/php"),
  python: () => import("highlight.js/lib/languages/python"),
  ruby: () => import("highlight.js/lib/languages/ruby"),
  rust: () => import("highlight.js/lib/languages/rust"),
  scss: () => import("highlight.js/lib/languages/scss"),
  sql: () => import("highlight.js/lib/languages/sql"),
  swift: () => import("highlight.js/lib/languages/swift"),
  typescript: () => import("highlight.js/lib/languages/typescript"),
  xml: () => import("highlight.js/lib/languages/xml"),
  yaml: () => import("highlight.js/lib/languages/yaml"),
};

/** Common names models put after the fence, mapped to highlight.js names. */
const ALIASES: Record<string, string> = {
  sh: "bash",
  shell: "bash",
  zsh: "bash",
  console: "bash",
  "c++": "cpp",
  cc: "cpp",
  h: "c",
  hpp: "cpp",
  cs: "csharp",
  "c#": "csharp",
  docker: "dockerfile",
  golang: "go",
  toml: "ini",
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  jsonc: "json",
  kt: "kotlin",
  make: "makefile",
  md: "markdown",
  py: "python",
  python3: "python",
  rb: "ruby",
  rs: "rust",
  ts: "typescript",
  tsx: "typescript",
  html: "xml",
  svg: "xml",
  yml: "yaml",
};

/**
 * The highlight.js language for a fence's info string, or `null` when we have none.
 *
 * @example
 * ```ts
 * languageFor("ts"); // "typescript"
 * languageFor("brainfuck"); // null
 * ```
 */
export function languageFor(info: string): string | null {
  const name = info.trim().toLowerCase();
  const resolved = Object.hasOwn(ALIASES, name) ? ALIASES[name] : name;
  return Object.hasOwn(LOADERS, resolved) ? resolved : null;
}

let corePromise: Promise<HljsCore> | null = null;
const languagePromises = new Map<string, Promise<void>>();

function loadCore(): Promise<HljsCore> {
  corePromise ??= import("highlight.js/lib/core").then((m: any) => m.default as HljsCore);
  return corePromise;
}

function loadLanguage(hljs: HljsCore, name: string): Promise<void> {
  let p = languagePromises.get(name);
  if (!p) {
    p = LOADERS[name]().then((m) => hljs.registerLanguage(name, m.default));
    languagePromises.set(name, p);
  }
  return p;
}

/**
 * Highlights every `pre > code` under `root` whose language we know. Loads what is needed.
 * Failures leave the code plain.
 */
export async function highlightCode(root: ParentNode): Promise<void> {
  const blocks = Array.from(root.querySelectorAll<HTMLElement>("pre > code"));
  const work: Array<[HTMLElement, string]> = [];
  for (const el of blocks) {
    if (el.dataset.highlighted) continue;
    const cls = Array.from(el.classList).find((c) => c.startsWith("language-"));
    const lang = cls ? languageFor(cls.slice("language-".length)) : null;
    if (lang) work.push([el, lang]);
  }
  if (work.length === 0) return;
  try {
    const hljs = await loadCore();
    await Promise.all([...new Set(work.map(([, l]) => l))].map((l) => loadLanguage(hljs, l)));
    for (const [el, lang] of work) {
      el.classList.add(`language-${lang}`);
      hljs.highlightElement(el); // It escapes the text itself and sets data-highlighted.
    }
  } catch {
    // Highlighting is decoration; plain code is fine.
  }
}
