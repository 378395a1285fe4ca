// @rungpt/sdk-assemblyscript: write a rungpt plugin action as a plain exported function.
//
//   import { inputJson, outputJson, fail, lastError, JsonValue } from "../sdk/rungpt";
//
//   export function greet(): i32 {
//     const args = inputJson();
//     if (args == null) return fail(lastError());
//     return outputJson(JsonValue.object().setString("greeting", "Hello, " + args.getString("name")));
//   }
//
// See README.md for every function.
import { input } from "./extism";
import { setLastError } from "./errors";
import { JsonValue, parseJson } from "./json";
import { output } from "./extism";

export {
  extismConfig,
  fail,
  freeBlock,
  input,
  inputBytes,
  loadBytes,
  loadString,
  output,
  outputBytes,
  rungptAbort,
  storeBytes,
  storeString,
} from "./extism";
export { lastError, setLastError } from "./errors";
export { JsonKind, JsonValue, jsonQuote, MAX_JSON_DEPTH, parseJson } from "./json";
export {
  base64Decode,
  base64DecodeString,
  base64Encode,
  base64EncodeString,
  validUtf8,
} from "./base64";
export {
  callApi,
  configAll,
  configBool,
  configGet,
  configNumber,
  configString,
  fsAppend,
  fsAppendBytes,
  FsEntry,
  fsDelete,
  fsList,
  fsRead,
  fsReadBytes,
  fsWrite,
  fsWriteBytes,
  HttpRequest,
  HttpResponse,
  httpGet,
  httpRequest,
  log,
  logDebug,
  logError,
  logInfo,
  logWarn,
  secret,
  stateDelete,
  stateGet,
  stateKeys,
  stateSet,
} from "./host";

/**
 * The call's input parsed as a JSON object (an action's arguments; empty input counts as {}).
 * Returns null and sets lastError() when it is not a JSON object.
 */
export function inputJson(): JsonValue | null {
  const text = input();
  if (text.trim().length == 0) return JsonValue.object();
  const v = parseJson(text);
  if (v == null) return null;
  if (!v.isObject()) {
    setLastError("the arguments must be a JSON object");
    return null;
  }
  return v;
}

/** Sets the call's output to the JSON text of `value`; returns 0. */
export function outputJson(value: JsonValue): i32 {
  return output(value.toString());
}
