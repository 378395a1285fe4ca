// text-transform: text utilities for the model. Every action takes {text, …} and returns a
// JSON object; settings come from rungpt:config (locale, max_input_chars).
import {
  base64DecodeString,
  base64EncodeString,
  configNumber,
  configString,
  fail,
  inputJson,
  JsonValue,
  lastError,
  outputJson,
} from "../sdk/rungpt";
import { compileRegex, regexError, regexReplace } from "./regex";
import { count as countText, reverseCodePoints, slugify as slug, titleCase, toLower, toUpper } from "./text";

/** The arguments of the current call, once `args()` accepted them. */
let current: JsonValue = JsonValue.object();
/** The `text` argument of the current call. */
let text: string = "";
/** Why `args()` refused the call. */
let problem: string = "";

/** Reads the arguments and the required `text`, enforcing max_input_chars. */
function args(): bool {
  const a = inputJson();
  if (a == null) {
    problem = lastError();
    return false;
  }
  const t = a.get("text");
  if (t == null || !t.isString()) {
    problem = "\"text\" is required and must be a string";
    return false;
  }
  const max = configNumber("max_input_chars", 100000);
  const s = t.asString();
  if (<f64>s.length > max) {
    problem = "the text is " + s.length.toString() + " characters long; the limit (setting max_input_chars) is " +
      (<i64>max).toString();
    return false;
  }
  current = a;
  text = s;
  return true;
}

function locale(): string {
  const l = current.getString("locale", "");
  return l.length ? l : configString("locale", "default");
}

function result(value: string): i32 {
  return outputJson(JsonValue.object().setString("result", value));
}

/** uppercase {text, locale?} → {result} */
export function uppercase(): i32 {
  if (!args()) return fail(problem);
  return result(toUpper(text, locale()));
}

/** lowercase {text, locale?} → {result} */
export function lowercase(): i32 {
  if (!args()) return fail(problem);
  return result(toLower(text, locale()));
}

/** title_case {text, locale?} → {result} */
export function title_case(): i32 {
  if (!args()) return fail(problem);
  return result(titleCase(text, locale()));
}

/** slugify {text, separator?} → {result} */
export function slugify(): i32 {
  if (!args()) return fail(problem);
  const sep = current.getString("separator", "-");
  if (sep.length > 3) return fail("\"separator\" must be at most 3 characters");
  return result(slug(text, sep));
}

/** reverse {text} → {result}, by code point */
export function reverse(): i32 {
  if (!args()) return fail(problem);
  return result(reverseCodePoints(text));
}

/** count {text} → {characters, characters_no_spaces, words, lines, bytes} */
export function count(): i32 {
  if (!args()) return fail(problem);
  const c = countText(text);
  return outputJson(JsonValue.object()
    .setNumber("characters", c.characters)
    .setNumber("characters_no_spaces", c.charactersNoSpaces)
    .setNumber("words", c.words)
    .setNumber("lines", c.lines)
    .setNumber("bytes", c.bytes));
}

/** base64_encode {text} → {result}: the UTF-8 bytes of text, in base64 */
export function base64_encode(): i32 {
  if (!args()) return fail(problem);
  return result(base64EncodeString(text));
}

/** base64_decode {text} → {result}: base64 back to UTF-8 text */
export function base64_decode(): i32 {
  if (!args()) return fail(problem);
  const decoded = base64DecodeString(text);
  if (decoded == null) return fail(lastError());
  return result(decoded);
}

/** replace {text, pattern, replacement?, flags?} → {result, count} */
export function replace(): i32 {
  if (!args()) return fail(problem);
  const pattern = current.get("pattern");
  if (pattern == null || !pattern.isString()) return fail("\"pattern\" is required and must be a string");
  const re = compileRegex(pattern.asString(), current.getString("flags", "g"));
  if (re == null) return fail(regexError);
  const r = regexReplace(re, text, current.getString("replacement", ""));
  if (r == null) return fail(regexError);
  return outputJson(JsonValue.object().setString("result", r.text).setNumber("count", r.count));
}
