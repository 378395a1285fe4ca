/**
 * docs/api.md stays in sync with the code where that is cheap to check: every route under
 * routes/v1/ with each of its methods, the fields rungpt checks, the body limit, the status of
 * every upstream error kind, the token error, and the links to the page.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { completionRequest, statusFor } from "../../../lib/chat/completions.ts";
import { LlmError, type LlmErrorKind } from "../../../lib/llm/errors.ts";

const ROOT = join(import.meta.dirname!, "..", "..", "..");
const DOC = await Deno.readTextFile(join(ROOT, "docs", "api.md"));

/** Every kind of upstream error (a Record, so a new kind fails type checking here). */
const KINDS: Record<LlmErrorKind, true> = {
  no_key: true,
  auth: true,
  rate_limit: true,
  unreachable: true,
  timeout: true,
  bad_request: true,
  images_unsupported: true,
  not_found: true,
  upstream: true,
  aborted: true,
  protocol: true,
};

/** Route files under routes/v1/, as `/v1/...` paths with their modules. */
async function v1Routes(dir = join(ROOT, "routes", "v1")): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const e of Deno.readDir(dir)) {
    const file = join(dir, e.name);
    if (e.isDirectory) out.push(...await v1Routes(file));
    else if (e.name.endsWith(".ts")) {
      out.push([`/${relative(join(ROOT, "routes"), file).replace(/\.ts$/, "")}`, file]);
    }
  }
  return out.sort();
}

Deno.test("api doc: every /v1 route is documented with each of its methods", async () => {
  const routes = await v1Routes();
  assert.deepEqual(routes.map(([path]) => path), [
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/models",
    "/v1/models/[id]",
    "/v1/responses",
  ]);
  for (const [route, file] of routes) {
    const path = route.replace(/\[(\w+)\]/g, "{$1}"); // as the doc writes a parameter
    const mod = await import(`file://${file}`);
    const methods = Object.keys(mod.handler);
    assert.ok(methods.length > 0, path);
    for (const method of methods) {
      assert.ok(DOC.includes(`\`${method} ${path}\``), `${method} ${path} is not documented`);
      assert.ok(DOC.includes(`## \`${method} ${path}\``), `${method} ${path} has no section`);
    }
  }
});

Deno.test("api doc: the fields rungpt checks and the body limit", async () => {
  for (const field of Object.keys(completionRequest.shape)) {
    assert.match(DOC, new RegExp("\\| `" + field + "` +\\|"), `field ${field} is not in the table`);
  }
  const { config } = await import("../../../routes/v1/chat/completions.ts");
  const mib = config.bodyLimit! / (1024 * 1024);
  assert.ok(DOC.includes(`at most ${mib} MiB`), "the body limit");
  assert.ok(row(413).includes(`${mib} MiB`), "the 413 row");
});

/** The errors table's row for `status`. */
function row(status: number): string {
  const line = DOC.split("\n").find((l) => l.startsWith(`| ${status} `));
  assert.ok(line, `no errors table row for ${status}`);
  return line;
}

Deno.test("api doc: every upstream error kind is in the errors table with its status", () => {
  for (const kind of Object.keys(KINDS) as LlmErrorKind[]) {
    const status = statusFor(new LlmError(kind, "x"));
    assert.ok(row(status).includes(`\`${kind}\``), `${kind} (${status}) is not in its row`);
  }
  assert.ok(row(401).includes("`invalid_api_key`"));
});

Deno.test("api doc: the docs index and the guide link to it", async () => {
  for (const page of ["docs/README.md", "docs/guide.md"]) {
    const text = await Deno.readTextFile(join(ROOT, page));
    assert.ok(text.includes("](api.md)"), `${page} does not link to api.md`);
  }
});
