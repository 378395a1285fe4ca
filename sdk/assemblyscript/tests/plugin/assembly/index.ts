// A plugin exercising every part of the SDK; built and run by tests/unit/plugins/sdk_assemblyscript_test.ts
// (the test vendors the SDK into sdk/rungpt/, as `rungpt plugin new` does).
import {
  base64DecodeString,
  callApi,
  base64EncodeString,
  configBool,
  configNumber,
  configString,
  fail,
  fsAppend,
  fsAppendBytes,
  fsDelete,
  fsList,
  fsRead,
  fsReadBytes,
  fsWrite,
  fsWriteBytes,
  HttpRequest,
  httpRequest,
  input,
  inputJson,
  JsonValue,
  lastError,
  loadBytes,
  logInfo,
  logWarn,
  output,
  outputJson,
  parseJson,
  secret,
  setLastError,
  stateDelete,
  stateGet,
  stateKeys,
  stateSet,
  storeBytes,
} from "../sdk/rungpt";

@external("provider:greet", "hello") declare function greet_hello(request: u64): u64;

/** Parses the input and writes it back (JSON round trip). */
export function echo_json(): i32 {
  const v = parseJson(input());
  if (v == null) return fail(lastError());
  return output(v.toString());
}

/** Reads typed members of the arguments. */
export function members(): i32 {
  const args = inputJson();
  if (args == null) return fail(lastError());
  const list = args.get("list");
  const out = JsonValue.object()
    .setString("s", args.getString("s", "default"))
    .setNumber("n", args.getNumber("n", -1))
    .setBool("b", args.getBool("b", false))
    .setBool("has_list", list != null && list.isArray())
    .setNumber("list_length", list != null ? <f64>list.length : -1);
  const first = list != null ? list.at(0) : null;
  out.set("first", first != null ? first : JsonValue.null());
  return outputJson(out);
}

/** Fails with the given message. */
export function fail_with(): i32 {
  const args = inputJson();
  if (args == null) return fail(lastError());
  return fail(args.getString("message"));
}

/** Reads settings and a secret. */
export function settings(): i32 {
  return outputJson(JsonValue.object()
    .setString("units", configString("units", "?"))
    .setNumber("limit", configNumber("limit", -1))
    .setBool("verbose", configBool("verbose", false))
    .setString("token", secret("token")));
}

/** Sets, reads, lists and deletes state. */
export function state(): i32 {
  if (!stateSet("counter", JsonValue.number(41))) return fail(lastError());
  if (!stateSet("gone", JsonValue.bool(true))) return fail(lastError());
  if (!stateDelete("gone")) return fail(lastError());
  const v = stateGet("counter");
  if (v == null) return fail(lastError());
  const keys = stateKeys();
  if (keys == null) return fail(lastError());
  const missing = stateGet("never");
  return outputJson(JsonValue.object()
    .setNumber("counter", v.asNumber() + 1)
    .set("keys", JsonValue.strings(keys))
    .setBool("missing_is_null", missing != null && missing.isNull()));
}

/** Writes, appends, reads, lists, deletes; then tries to escape the data dir. */
export function files(): i32 {
  if (!fsWrite("notes/a.txt", "héllo")) return fail(lastError());
  if (!fsAppend("notes/a.txt", " wörld")) return fail(lastError());
  const text = fsRead("notes/a.txt");
  if (text == null) return fail(lastError());
  const entries = fsList("notes");
  if (entries == null) return fail(lastError());
  const names: string[] = [];
  for (let i = 0; i < entries.length; i++) names.push(entries[i].name + ":" + entries[i].type);
  if (!fsDelete("notes", true)) return fail(lastError());
  const escaped = fsRead("../outside.txt");
  return outputJson(JsonValue.object()
    .setString("text", text)
    .set("entries", JsonValue.strings(names))
    .setBool("escape_refused", escaped == null)
    .setString("escape_error", lastError()));
}

/** Sends the request described by the arguments. */
export function fetch(): i32 {
  const args = inputJson();
  if (args == null) return fail(lastError());
  const req = new HttpRequest(args.getString("url"))
    .withMethod(args.getString("method", "GET"))
    .withHeader("x-test", "sdk");
  if (args.has("body")) req.withBody(args.getString("body"));
  const res = httpRequest(req);
  if (res == null) return fail(lastError());
  const echoed = res.header("X-Echo-Method");
  return outputJson(JsonValue.object()
    .setNumber("status", res.status)
    .setString("body", res.body)
    .setString("method", echoed != null ? echoed : ""));
}

/** Logs two lines. */
export function logs(): i32 {
  logInfo("hello from the sdk");
  logWarn("careful");
  return output("logged");
}

/** base64 both ways. */
export function b64(): i32 {
  const args = inputJson();
  if (args == null) return fail(lastError());
  const encoded = base64EncodeString(args.getString("text"));
  const decoded = base64DecodeString(args.getString("decode"));
  return outputJson(JsonValue.object()
    .setString("encoded", encoded)
    .set("decoded", decoded != null ? JsonValue.string(decoded) : JsonValue.null())
    .setString("error", decoded == null ? lastError() : ""));
}

/** Uses only input and output: links no rungpt API. */
export function plain(): i32 {
  return output("plain:" + input());
}

/** Writes, appends and reads back bytes that are not UTF-8; copies bytes through Extism memory. */
export function bytes(): i32 {
  const data = new Uint8Array(4);
  data[0] = 0x00; data[1] = 0xff; data[2] = 0xfe; data[3] = 0x80;
  if (!fsWriteBytes("blob.bin", data)) return fail(lastError());
  const tail = new Uint8Array(1);
  tail[0] = 0x7f;
  if (!fsAppendBytes("blob.bin", tail)) return fail(lastError());
  const back = fsReadBytes("blob.bin");
  if (back == null) return fail(lastError());
  const copy = loadBytes(storeBytes(back), <u64>back.length);
  const list = JsonValue.array();
  for (let i = 0; i < copy.length; i++) list.push(JsonValue.number(copy[i]));
  const missing = fsReadBytes("missing.bin");
  return outputJson(JsonValue.object().set("bytes", list)
    .setBool("missing_is_null", missing == null).setString("missing_error", lastError()));
}

/** Calls provider:greet hello with the input through callApi. */
export function api_call(): i32 {
  const out = callApi(greet_hello, input());
  if (out == null) return fail(lastError());
  return output(out);
}

/** setLastError sets what lastError() returns. */
export function own_error(): i32 {
  setLastError("my own reason");
  return fail(lastError());
}
