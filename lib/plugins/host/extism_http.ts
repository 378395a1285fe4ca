/**
 * Extism's own HTTP functions, `http_request`, `http_status_code` and `http_headers` of
 * `extism:host/env`, on top of `rungpt:net`'s checked client: the manifest's allowed hosts, the
 * user's grant, private addresses, redirects, size and time caps all hold, so an Extism plugin
 * that fetches over HTTP runs unmodified.
 *
 * The runtime renames a plugin's imports of these functions to {@link EXTISM_HTTP_MODULE}
 * (`runtime_wasm.ts`): Extism's worker would otherwise put its own unchecked `fetch` in their
 * place. The ABI, as Extism's PDKs expect it:
 *
 * - `http_request(req, body) -> i64`: `req` is a block of JSON `{"url", "method"?, "headers"?}`,
 *   `body` a block of bytes or 0. Returns the block of the response body (0 when empty). A
 *   request rungpt refuses, or that fails, ends the call with an error naming why (Extism's JS
 *   host throws too); the PDKs have no way to see a failed request otherwise.
 * - `http_status_code() -> i32`: the status of the last response, 0 before one.
 * - `http_headers() -> i64`: a block of JSON of the last response's headers, 0 before one.
 *
 * What these functions hand the plugin is bounded: each response by `limits.httpResponseBytes`,
 * and every response and header block by the allocation guard (`runtime_guard.ts`), which
 * charges them to the plugin's one memory budget (`limits.memoryBytes`, and its
 * count of live blocks) beside its other blocks. A body larger than the whole budget is refused here, before
 * it becomes a block, so the host never holds it for the plugin.
 * @module
 */
import type { CallContext } from "@extism/extism";
import type { CallBudget, PluginHost } from "../registry.ts";
import { HostFunctionError } from "../runtime_errors.ts";
import { type CheckedFetch, type CheckedRequest, NetRefusal } from "./net.ts";

/** The import module the runtime renames the plugin's Extism HTTP imports to. */
export const EXTISM_HTTP_MODULE = "rungpt:extism-http";

/** The `extism:host/env` functions {@link extismHttpFunctions} provides. */
export const EXTISM_HTTP_FUNCTIONS = ["http_request", "http_status_code", "http_headers"] as const;

type HttpFunctions = Record<
  (typeof EXTISM_HTTP_FUNCTIONS)[number],
  // deno-lint-ignore no-explicit-any
  (cp: CallContext, ...args: any[]) => unknown
>;

/** What the last request of one instance left, for `http_status_code` and `http_headers`. */
interface LastResponse {
  status: number;
  headers: Record<string, string> | null;
}

/**
 * The three functions for one plugin instance; `fetch` is the registry's checked client (absent:
 * every request is refused).
 *
 * @example
 * ```ts
 * const functions = { [EXTISM_HTTP_MODULE]: extismHttpFunctions(registry.http, host) };
 * ```
 */
export function extismHttpFunctions(
  fetch: CheckedFetch | undefined,
  host: PluginHost,
): HttpFunctions {
  const last: LastResponse = { status: 0, headers: null };
  return {
    http_request: (cp: CallContext, req: bigint, body: bigint) =>
      httpRequest(fetch, host, last, cp, req, body),
    http_status_code: () => last.status,
    http_headers: (cp: CallContext) => {
      if (last.headers === null) return 0n;
      return cp.store(new TextEncoder().encode(JSON.stringify(last.headers)));
    },
  };
}

async function httpRequest(
  fetch: CheckedFetch | undefined,
  host: PluginHost,
  last: LastResponse,
  cp: CallContext,
  reqOffset: bigint,
  bodyOffset: bigint,
): Promise<bigint> {
  last.status = 0;
  last.headers = null;
  const call = cp.hostContext<CallBudget | undefined>();
  if (!call) throw new Error("http_request can only be called during a call");
  let res;
  try {
    if (!fetch) throw new Error("HTTP is not available in this runtime");
    const req = readRequest(cp, reqOffset, bodyOffset, host.limits.hostInputBytes);
    res = await fetch({ plugin: host, call }, req);
  } catch (e) {
    if (call.signal.aborted) throw new Error("call cancelled");
    const refused = e instanceof NetRefusal;
    const message = `http_request ${refused ? "refused" : "failed"}: ${(e as Error).message}`;
    host.log("error", message);
    throw new HostFunctionError(refused ? "denied" : "plugin_error", message, host.name);
  }
  if (res.body.length > host.limits.memoryBytes) {
    throw new HostFunctionError(
      "memory",
      `http_request: the response body of ${res.body.length} bytes is larger than the plugin's ` +
        `memory limit of ${host.limits.memoryBytes} bytes`,
      host.name,
    );
  }
  last.status = res.status;
  last.headers = res.headers;
  return res.body.length === 0 ? 0n : cp.store(res.body);
}

function readRequest(
  cp: CallContext,
  reqOffset: bigint,
  bodyOffset: bigint,
  max: number,
): CheckedRequest {
  const block = (offset: bigint, what: string) => {
    const length = Number(cp.length(offset));
    if (length > max) throw new Error(`the ${what} of ${length} bytes exceeds ${max} bytes`);
    const data = cp.read(offset);
    if (!data) throw new Error(`the ${what} offset does not point to Extism memory`);
    return data;
  };
  let json: unknown;
  try {
    json = block(reqOffset, "request").json();
  } catch (e) {
    throw new Error(
      e instanceof SyntaxError ? "the request is not valid JSON" : (e as Error).message,
    );
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error('the request must be a JSON object {"url", "method", "headers"}');
  }
  const { url, method, headers } = json as Record<string, unknown>;
  if (typeof url !== "string") throw new Error('the request needs a "url" string');
  if (method !== undefined && method !== null && typeof method !== "string") {
    throw new Error('"method" must be a string');
  }
  const body = bodyOffset === 0n ? undefined : block(bodyOffset, "body").bytes().slice();
  return {
    url,
    method: (method ?? undefined) as string | undefined,
    headers: (headers ?? undefined) as Record<string, string> | undefined,
    body,
  };
}
