// A small JSON reader and writer (AssemblyScript has no JSON.parse). Values are JsonValue
// objects; objects keep their keys in order; parse errors return null and set lastError().
import { setLastError } from "./errors";

/** The kind of a JsonValue. */
export enum JsonKind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

/** Deepest nesting `parseJson` accepts (bounds recursion on hostile input). */
export const MAX_JSON_DEPTH: i32 = 256;

/** One JSON value: null, boolean, number, string, array or object. */
export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  private b: bool = false;
  private n: f64 = 0;
  private s: string = "";
  private list: JsonValue[] = [];
  private names: string[] = [];

  /** `null`. */
  static null(): JsonValue {
    return new JsonValue();
  }
  /** A boolean. */
  static bool(value: bool): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Bool;
    v.b = value;
    return v;
  }
  /** A number. */
  static number(value: f64): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Number;
    v.n = value;
    return v;
  }
  /** A string. */
  static string(value: string): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.String;
    v.s = value;
    return v;
  }
  /** An empty array; add items with `push`. */
  static array(): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Array;
    return v;
  }
  /** An empty object; add members with `set` / `setString` / … */
  static object(): JsonValue {
    const v = new JsonValue();
    v.kind = JsonKind.Object;
    return v;
  }
  /** An array of strings. */
  static strings(values: string[]): JsonValue {
    const v = JsonValue.array();
    for (let i = 0; i < values.length; i++) v.push(JsonValue.string(values[i]));
    return v;
  }

  isNull(): bool { return this.kind == JsonKind.Null; }
  isBool(): bool { return this.kind == JsonKind.Bool; }
  isNumber(): bool { return this.kind == JsonKind.Number; }
  isString(): bool { return this.kind == JsonKind.String; }
  isArray(): bool { return this.kind == JsonKind.Array; }
  isObject(): bool { return this.kind == JsonKind.Object; }

  /** The boolean (false unless a boolean). */
  asBool(): bool { return this.kind == JsonKind.Bool ? this.b : false; }
  /** The number (0 unless a number). */
  asNumber(): f64 { return this.kind == JsonKind.Number ? this.n : 0; }
  /** The string ("" unless a string). */
  asString(): string { return this.kind == JsonKind.String ? this.s : ""; }
  /** Array items, or an object's values, in order (empty otherwise). */
  items(): JsonValue[] { return this.list; }
  /** An object's keys, in order (empty otherwise). */
  keys(): string[] { return this.names; }
  /** Number of array items or object members. */
  get length(): i32 { return this.list.length; }

  /** Appends to an array; returns this, for chaining. */
  push(value: JsonValue): JsonValue {
    if (this.kind == JsonKind.Array) this.list.push(value);
    return this;
  }

  /** Sets an object member (replacing one of the same key); returns this, for chaining. */
  set(key: string, value: JsonValue): JsonValue {
    if (this.kind != JsonKind.Object) return this;
    const i = this.names.indexOf(key);
    if (i >= 0) {
      this.list[i] = value;
    } else {
      this.names.push(key);
      this.list.push(value);
    }
    return this;
  }
  setString(key: string, value: string): JsonValue { return this.set(key, JsonValue.string(value)); }
  setNumber(key: string, value: f64): JsonValue { return this.set(key, JsonValue.number(value)); }
  setBool(key: string, value: bool): JsonValue { return this.set(key, JsonValue.bool(value)); }
  setNull(key: string): JsonValue { return this.set(key, JsonValue.null()); }

  /** An object member, or null when absent (or this is not an object). */
  get(key: string): JsonValue | null {
    if (this.kind != JsonKind.Object) return null;
    const i = this.names.lastIndexOf(key);
    return i >= 0 ? this.list[i] : null;
  }
  /** Whether an object has member `key`. */
  has(key: string): bool {
    return this.kind == JsonKind.Object && this.names.includes(key);
  }
  /** Member `key` if it is a string, else `fallback`. */
  getString(key: string, fallback: string = ""): string {
    const v = this.get(key);
    return v != null && v.isString() ? v.asString() : fallback;
  }
  /** Member `key` if it is a number, else `fallback`. */
  getNumber(key: string, fallback: f64 = 0): f64 {
    const v = this.get(key);
    return v != null && v.isNumber() ? v.asNumber() : fallback;
  }
  /** Member `key` if it is a boolean, else `fallback`. */
  getBool(key: string, fallback: bool = false): bool {
    const v = this.get(key);
    return v != null && v.isBool() ? v.asBool() : fallback;
  }
  /** Array item `index`, or null when out of range (or this is not an array). */
  at(index: i32): JsonValue | null {
    if (this.kind != JsonKind.Array || index < 0 || index >= this.list.length) return null;
    return this.list[index];
  }

  /** The JSON text of this value (compact). */
  toString(): string {
    const parts: string[] = [];
    writeValue(this, parts);
    return parts.join("");
  }
}

/** Quotes `s` as a JSON string literal. */
export function jsonQuote(s: string): string {
  const parts: string[] = [];
  writeString(s, parts);
  return parts.join("");
}

function hex4(c: i32): string {
  let h = c.toString(16);
  while (h.length < 4) h = "0" + h;
  return h;
}

function writeString(s: string, out: string[]): void {
  let start = 0;
  out.push('"');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc = "";
    if (c == 0x22) esc = '\\"';
    else if (c == 0x5c) esc = "\\\\";
    else if (c == 0x0a) esc = "\\n";
    else if (c == 0x0d) esc = "\\r";
    else if (c == 0x09) esc = "\\t";
    else if (c < 0x20 || c == 0x2028 || c == 0x2029) esc = "\\u" + hex4(c);
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is not valid UTF-8: escape it, keep pairs as they are.
      const pair = c <= 0xdbff && i + 1 < s.length &&
        s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
      if (pair) {
        i++;
        continue;
      }
      esc = "\\u" + hex4(c);
    }
    if (esc.length) {
      if (i > start) out.push(s.substring(start, i));
      out.push(esc);
      start = i + 1;
    }
  }
  if (start < s.length) out.push(s.substring(start));
  out.push('"');
}

function writeNumber(n: f64, out: string[]): void {
  if (!isFinite(n)) {
    out.push("null");
  } else if (n == Math.floor(n) && Math.abs(n) < 9007199254740992.0) {
    out.push((<i64>n).toString());
  } else {
    out.push(n.toString());
  }
}

function writeValue(v: JsonValue, out: string[]): void {
  switch (v.kind) {
    case JsonKind.Null: out.push("null"); break;
    case JsonKind.Bool: out.push(v.asBool() ? "true" : "false"); break;
    case JsonKind.Number: writeNumber(v.asNumber(), out); break;
    case JsonKind.String: writeString(v.asString(), out); break;
    case JsonKind.Array: {
      const items = v.items();
      out.push("[");
      for (let i = 0; i < items.length; i++) {
        if (i) out.push(",");
        writeValue(items[i], out);
      }
      out.push("]");
      break;
    }
    default: {
      const keys = v.keys();
      const items = v.items();
      out.push("{");
      for (let i = 0; i < keys.length; i++) {
        if (i) out.push(",");
        writeString(keys[i], out);
        out.push(":");
        writeValue(items[i], out);
      }
      out.push("}");
    }
  }
}

// --- Reader ---

class Reader {
  pos: i32 = 0;
  error: string = "";
  constructor(public text: string) {}

  fail(message: string): JsonValue | null {
    if (!this.error.length) this.error = message + " at position " + this.pos.toString();
    return null;
  }
  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      this.pos++;
    }
  }
  literal(word: string, value: JsonValue): JsonValue | null {
    if (this.text.substr(this.pos, word.length) != word) return this.fail("unexpected token");
    this.pos += word.length;
    return value;
  }
  value(depth: i32): JsonValue | null {
    if (depth > MAX_JSON_DEPTH) return this.fail("nested too deeply");
    this.skipSpace();
    if (this.pos >= this.text.length) return this.fail("unexpected end of input");
    const c = this.text.charCodeAt(this.pos);
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      return s == null ? null : JsonValue.string(s);
    }
    if (c == 0x74) return this.literal("true", JsonValue.bool(true));
    if (c == 0x66) return this.literal("false", JsonValue.bool(false));
    if (c == 0x6e) return this.literal("null", JsonValue.null());
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    return this.fail("unexpected character");
  }
  digits(): i32 {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c < 0x30 || c > 0x39) break;
      this.pos++;
    }
    return this.pos - start;
  }
  number(): JsonValue | null {
    const t = this.text;
    const start = this.pos;
    if (t.charCodeAt(this.pos) == 0x2d) this.pos++;
    const intStart = this.pos;
    const n = this.digits();
    if (n == 0) return this.fail("invalid number");
    if (n > 1 && t.charCodeAt(intStart) == 0x30) return this.fail("leading zero in number");
    if (this.pos < t.length && t.charCodeAt(this.pos) == 0x2e) {
      this.pos++;
      if (this.digits() == 0) return this.fail("invalid number");
    }
    if (this.pos < t.length && (t.charCodeAt(this.pos) | 0x20) == 0x65) {
      this.pos++;
      if (this.pos < t.length && (t.charCodeAt(this.pos) == 0x2b || t.charCodeAt(this.pos) == 0x2d)) {
        this.pos++;
      }
      if (this.digits() == 0) return this.fail("invalid number");
    }
    return JsonValue.number(parseFloat(t.substring(start, this.pos)));
  }
  hex(): i32 {
    if (this.pos + 4 > this.text.length) return -1;
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.text.charCodeAt(this.pos + i);
      let d = -1;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x61 + 10;
      if (d < 0) return -1;
      v = (v << 4) | d;
    }
    this.pos += 4;
    return v;
  }
  string(): string | null {
    const t = this.text;
    this.pos++; // opening quote
    const parts: string[] = [];
    let start = this.pos;
    while (true) {
      if (this.pos >= t.length) {
        this.fail("unterminated string");
        return null;
      }
      const c = t.charCodeAt(this.pos);
      if (c == 0x22) break;
      if (c < 0x20) {
        this.fail("control character in string");
        return null;
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      if (this.pos > start) parts.push(t.substring(start, this.pos));
      this.pos++;
      if (this.pos >= t.length) {
        this.fail("unterminated string");
        return null;
      }
      const e = t.charCodeAt(this.pos++);
      if (e == 0x22) parts.push('"');
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x75) {
        const code = this.hex();
        if (code < 0) {
          this.fail("invalid \\u escape");
          return null;
        }
        parts.push(String.fromCharCode(code));
      } else {
        this.pos--;
        this.fail("invalid escape");
        return null;
      }
      start = this.pos;
    }
    if (this.pos > start) parts.push(t.substring(start, this.pos));
    this.pos++; // closing quote
    return parts.join("");
  }
  array(depth: i32): JsonValue | null {
    this.pos++;
    const out = JsonValue.array();
    this.skipSpace();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x5d) {
      this.pos++;
      return out;
    }
    while (true) {
      const item = this.value(depth + 1);
      if (item == null) return null;
      out.push(item);
      this.skipSpace();
      if (this.pos >= this.text.length) return this.fail("unterminated array");
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x5d) return out;
      if (c != 0x2c) {
        this.pos--;
        return this.fail("expected , or ]");
      }
    }
  }
  object(depth: i32): JsonValue | null {
    this.pos++;
    const out = JsonValue.object();
    this.skipSpace();
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == 0x7d) {
      this.pos++;
      return out;
    }
    while (true) {
      this.skipSpace();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) != 0x22) {
        return this.fail("expected a string key");
      }
      const key = this.string();
      if (key == null) return null;
      this.skipSpace();
      if (this.pos >= this.text.length || this.text.charCodeAt(this.pos) != 0x3a) {
        return this.fail("expected :");
      }
      this.pos++;
      const item = this.value(depth + 1);
      if (item == null) return null;
      out.set(key, item);
      this.skipSpace();
      if (this.pos >= this.text.length) return this.fail("unterminated object");
      const c = this.text.charCodeAt(this.pos++);
      if (c == 0x7d) return out;
      if (c != 0x2c) {
        this.pos--;
        return this.fail("expected , or }");
      }
    }
  }
}

/**
 * Parses JSON text. Returns null on invalid input, with lastError() saying what and where,
 * e.g. "invalid JSON: expected , or } at position 12".
 */
export function parseJson(text: string): JsonValue | null {
  const r = new Reader(text);
  const v = r.value(0);
  if (v != null) {
    r.skipSpace();
    if (r.pos == text.length) return v;
    r.fail("unexpected text after the value");
  }
  setLastError("invalid JSON: " + r.error);
  return null;
}
