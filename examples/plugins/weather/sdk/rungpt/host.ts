// rungpt's host APIs. Each function below links one `(<namespace>:<api>, <fn>)` import, so a
// plugin must list that API in rungpt.yaml `apis` (rungpt refuses undeclared imports). Calls
// that can fail return null or false and set lastError() to the host's message.
import { loadString, storeString } from "./extism";
import { setLastError } from "./errors";
import { base64Decode, base64Encode } from "./base64";
import { JsonValue, parseJson } from "./json";

@external("rungpt:config", "get") declare function config_get(req: u64): u64;
@external("rungpt:config", "state_get") declare function state_get(req: u64): u64;
@external("rungpt:config", "state_set") declare function state_set(req: u64): u64;
@external("rungpt:config", "state_delete") declare function state_delete(req: u64): u64;
@external("rungpt:config", "state_keys") declare function state_keys(req: u64): u64;
@external("rungpt:fs", "read") declare function fs_read(req: u64): u64;
@external("rungpt:fs", "write") declare function fs_write(req: u64): u64;
@external("rungpt:fs", "list") declare function fs_list(req: u64): u64;
@external("rungpt:fs", "delete") declare function fs_delete(req: u64): u64;
@external("rungpt:net", "request") declare function net_request(req: u64): u64;
@external("rungpt:log", "write") declare function log_write(req: u64): u64;

/** Unwraps a host reply `{"ok": value}` / `{"error": message}`; null (and lastError) on error. */
function reply(offset: u64, what: string): JsonValue | null {
  const env = parseJson(loadString(offset));
  if (env == null || !env.isObject()) {
    setLastError(what + ": the host's reply is not a JSON object");
    return null;
  }
  const err = env.get("error");
  if (err != null) {
    setLastError(err.isString() ? err.asString() : what + " failed");
    return null;
  }
  const ok = env.get("ok");
  return ok != null ? ok : JsonValue.null();
}

// --- rungpt:config: settings and secrets ---

/** A declared setting's value (JSON null when unset), or null on error. Needs `rungpt:config`. */
export function configGet(key: string): JsonValue | null {
  return reply(config_get(storeString(JsonValue.object().setString("key", key).toString())), "config get");
}

/** All settings as one JSON object, or null on error. Needs `rungpt:config`. */
export function configAll(): JsonValue | null {
  return reply(config_get(storeString("{}")), "config get");
}

/** A string setting, or `fallback` when unset, of another type, or on error. */
export function configString(key: string, fallback: string = ""): string {
  const v = configGet(key);
  return v != null && v.isString() ? v.asString() : fallback;
}

/** A number setting, or `fallback`. */
export function configNumber(key: string, fallback: f64 = 0): f64 {
  const v = configGet(key);
  return v != null && v.isNumber() ? v.asNumber() : fallback;
}

/** A boolean setting, or `fallback`. */
export function configBool(key: string, fallback: bool = false): bool {
  const v = configGet(key);
  return v != null && v.isBool() ? v.asBool() : fallback;
}

/** A secret setting (declared with `secret: true`), "" when unset. Never log it. */
export function secret(key: string): string {
  return configString(key, "");
}

// --- rungpt:config: the plugin's own key-value state ---

/** A stored value (JSON null when absent), or null on error. Needs `rungpt:config`. */
export function stateGet(key: string): JsonValue | null {
  return reply(state_get(storeString(JsonValue.object().setString("key", key).toString())), "state get");
}

/** Stores a JSON value under `key`; false (and lastError) on error. */
export function stateSet(key: string, value: JsonValue): bool {
  const req = JsonValue.object().setString("key", key).set("value", value);
  return reply(state_set(storeString(req.toString())), "state set") != null;
}

/** Removes `key` (no error when absent); false on error. */
export function stateDelete(key: string): bool {
  const req = JsonValue.object().setString("key", key);
  return reply(state_delete(storeString(req.toString())), "state delete") != null;
}

/** The stored keys, or null on error. */
export function stateKeys(): string[] | null {
  const v = reply(state_keys(storeString("{}")), "state keys");
  if (v == null) return null;
  const out: string[] = [];
  const items = v.items();
  for (let i = 0; i < items.length; i++) out.push(items[i].asString());
  return out;
}

// --- rungpt:fs: files in the plugin's data directory ---

/** One directory entry of `fsList`. */
export class FsEntry {
  constructor(
    public name: string,
    /** "file", "dir", "symlink" or "other". */
    public type: string,
    public size: f64,
  ) {}
}

/** Reads a UTF-8 file (path relative to the data dir), or null on error. Needs `rungpt:fs`. */
export function fsRead(path: string): string | null {
  const v = reply(fs_read(storeString(JsonValue.object().setString("path", path).toString())), "fs read");
  return v == null ? null : v.getString("content");
}

/** Writes (replaces) a UTF-8 file, creating parent directories; false on error. */
export function fsWrite(path: string, content: string): bool {
  const req = JsonValue.object().setString("path", path).setString("content", content);
  return reply(fs_write(storeString(req.toString())), "fs write") != null;
}

/** Appends UTF-8 text to a file (creating it); false on error. */
export function fsAppend(path: string, content: string): bool {
  const req = JsonValue.object().setString("path", path).setString("content", content)
    .setBool("append", true);
  return reply(fs_write(storeString(req.toString())), "fs write") != null;
}

/** Reads a file's raw bytes (any content: images, archives, …), or null on error. */
export function fsReadBytes(path: string): Uint8Array | null {
  const req = JsonValue.object().setString("path", path).setString("encoding", "base64");
  const v = reply(fs_read(storeString(req.toString())), "fs read");
  return v == null ? null : base64Decode(v.getString("content"));
}

/** Writes (replaces) a file with raw bytes, creating parent directories; false on error. */
export function fsWriteBytes(path: string, data: Uint8Array): bool {
  const req = JsonValue.object().setString("path", path).setString("content", base64Encode(data))
    .setString("encoding", "base64");
  return reply(fs_write(storeString(req.toString())), "fs write") != null;
}

/** Appends raw bytes to a file (creating it); false on error. */
export function fsAppendBytes(path: string, data: Uint8Array): bool {
  const req = JsonValue.object().setString("path", path).setString("content", base64Encode(data))
    .setString("encoding", "base64").setBool("append", true);
  return reply(fs_write(storeString(req.toString())), "fs write") != null;
}

/** Lists a directory ("" for the data dir itself), sorted by name; null on error. */
export function fsList(path: string = ""): FsEntry[] | null {
  const req = JsonValue.object();
  if (path.length) req.setString("path", path);
  const v = reply(fs_list(storeString(req.toString())), "fs list");
  if (v == null) return null;
  const out: FsEntry[] = [];
  const entries = v.get("entries");
  if (entries == null) return out;
  const items = entries.items();
  for (let i = 0; i < items.length; i++) {
    const e = items[i];
    out.push(new FsEntry(e.getString("name"), e.getString("type"), e.getNumber("size")));
  }
  return out;
}

/** Deletes a file (or, with `recursive`, a directory tree); false on error. */
export function fsDelete(path: string, recursive: bool = false): bool {
  const req = JsonValue.object().setString("path", path).setBool("recursive", recursive);
  return reply(fs_delete(storeString(req.toString())), "fs delete") != null;
}

// --- rungpt:net: HTTP to the hosts the manifest allows ---

/** An HTTP request for `httpRequest`. */
export class HttpRequest {
  method: string = "GET";
  headers: JsonValue = JsonValue.object();
  body: string | null = null;
  constructor(public url: string) {}

  /** Sets the method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS); returns this. */
  withMethod(method: string): HttpRequest {
    this.method = method;
    return this;
  }
  /** Sets a header; returns this. */
  withHeader(name: string, value: string): HttpRequest {
    this.headers.setString(name, value);
    return this;
  }
  /** Sets the body (text); returns this. */
  withBody(body: string): HttpRequest {
    this.body = body;
    return this;
  }
}

/** The response of `httpRequest`. */
export class HttpResponse {
  constructor(
    public status: i32,
    /** Header names are lower-case. */
    public headers: JsonValue,
    public body: string,
    /** The final URL, after redirects. */
    public url: string,
  ) {}

  /** A response header (name in any case), or null. */
  header(name: string): string | null {
    const v = this.headers.get(name.toLowerCase());
    return v == null ? null : v.asString();
  }
  /** The body parsed as JSON, or null (and lastError) when it is not JSON. */
  json(): JsonValue | null {
    return parseJson(this.body);
  }
}

/**
 * Sends an HTTP request through rungpt (allowed hosts only, redirects checked, size and time
 * capped). Returns null on a refused or failed request; any HTTP status is a response.
 * Needs `rungpt:net` and the host in `permissions.net.hosts`.
 */
export function httpRequest(req: HttpRequest): HttpResponse | null {
  const r = JsonValue.object().setString("method", req.method).setString("url", req.url)
    .set("headers", req.headers);
  const body = req.body;
  if (body != null) r.setString("body", body);
  const v = reply(net_request(storeString(r.toString())), "net request");
  if (v == null) return null;
  const headers = v.get("headers");
  return new HttpResponse(
    <i32>v.getNumber("status"),
    headers != null ? headers : JsonValue.object(),
    v.getString("body"),
    v.getString("url"),
  );
}

/** `httpRequest(new HttpRequest(url))`. */
export function httpGet(url: string): HttpResponse | null {
  return httpRequest(new HttpRequest(url));
}

// --- rungpt:log ---

/** Writes a log line at `level` (trace, debug, info, warn, error). Needs `rungpt:log`. */
export function log(level: string, message: string): void {
  const req = JsonValue.object().setString("level", level).setString("message", message);
  reply(log_write(storeString(req.toString())), "log write");
}

/** `log("debug", message)`. */
export function logDebug(message: string): void { log("debug", message); }
/** `log("info", message)`. */
export function logInfo(message: string): void { log("info", message); }
/** `log("warn", message)`. */
export function logWarn(message: string): void { log("warn", message); }
/** `log("error", message)`. */
export function logError(message: string): void { log("error", message); }

// --- APIs other plugins provide (`<plugin>:<api>`) ---

/**
 * Calls a function of an API another plugin provides and returns the provider's output, or
 * null (and lastError) when the call failed: the provider is not installed or enabled, it
 * failed, or the call would loop. `fn` is the function as your module imports it; declare it
 * with the module `<plugin>:<api>` (listed in rungpt.yaml `apis`) and the function's name:
 *
 *     @external("text-tools:case", "upper") declare function upper(request: u64): u64;
 *     const shout = callApi(upper, "hello"); // "HELLO"
 *
 * `request` becomes the provider's input, as any text (JSON if the provider expects it).
 */
export function callApi(fn: (request: u64) => u64, request: string): string | null {
  const v = reply(fn(storeString(request)), "API call");
  if (v == null) return null;
  if (!v.isString()) {
    setLastError("API call: the host's reply holds no output text");
    return null;
  }
  return v.asString();
}
