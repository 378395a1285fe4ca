// Standard base64 (RFC 4648, with padding) for bytes and UTF-8 text.
import { setLastError } from "./errors";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Encodes bytes as base64. */
export function base64Encode(data: Uint8Array): string {
  const parts: string[] = [];
  let i = 0;
  for (; i + 3 <= data.length; i += 3) {
    const n = (<u32>data[i] << 16) | (<u32>data[i + 1] << 8) | <u32>data[i + 2];
    parts.push(
      ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63) +
        ALPHABET.charAt((n >> 6) & 63) + ALPHABET.charAt(n & 63),
    );
  }
  const rest = data.length - i;
  if (rest == 1) {
    const n = <u32>data[i] << 16;
    parts.push(ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63) + "==");
  } else if (rest == 2) {
    const n = (<u32>data[i] << 16) | (<u32>data[i + 1] << 8);
    parts.push(
      ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63) +
        ALPHABET.charAt((n >> 6) & 63) + "=",
    );
  }
  return parts.join("");
}

/** Encodes text's UTF-8 bytes as base64. */
export function base64EncodeString(text: string): string {
  return base64Encode(Uint8Array.wrap(String.UTF8.encode(text)));
}

function sextet(c: i32): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/**
 * Decodes base64 (whitespace ignored, padding optional). Returns null and sets lastError() on
 * a character outside the alphabet or a bad length.
 */
export function base64Decode(text: string): Uint8Array | null {
  const vals: i32[] = [];
  let pad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) continue;
    if (c == 0x3d) {
      pad++;
      continue;
    }
    const v = sextet(c);
    if (v < 0 || pad > 0) {
      setLastError(
        pad > 0
          ? "invalid base64: data after padding at position " + i.toString()
          : "invalid base64: unexpected character '" + String.fromCharCode(c) + "' at position " +
            i.toString(),
      );
      return null;
    }
    vals.push(v);
  }
  const rem = vals.length % 4;
  if (rem == 1 || pad > 2 || (pad > 0 && (vals.length + pad) % 4 != 0)) {
    setLastError("invalid base64: wrong length");
    return null;
  }
  const out = new Uint8Array((vals.length * 3) >> 2);
  let o = 0;
  for (let i = 0; i + 1 < vals.length; i += 4) {
    const n = (vals[i] << 18) | (vals[i + 1] << 12) |
      (i + 2 < vals.length ? vals[i + 2] << 6 : 0) | (i + 3 < vals.length ? vals[i + 3] : 0);
    out[o++] = <u8>(n >> 16);
    if (i + 2 < vals.length) out[o++] = <u8>((n >> 8) & 0xff);
    if (i + 3 < vals.length) out[o++] = <u8>(n & 0xff);
  }
  return out;
}

/**
 * Decodes base64 into UTF-8 text. Returns null and sets lastError() when the input is not
 * base64 or the bytes are not valid UTF-8.
 */
export function base64DecodeString(text: string): string | null {
  const bytes = base64Decode(text);
  if (bytes == null) return null;
  if (!validUtf8(bytes)) {
    setLastError("the decoded bytes are not valid UTF-8 text");
    return null;
  }
  return String.UTF8.decode(bytes.buffer);
}

/** Whether `b` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF). */
export function validUtf8(b: Uint8Array): bool {
  let i = 0;
  while (i < b.length) {
    const c = <i32>b[i];
    let need = 0;
    let min = 0;
    if (c < 0x80) { i++; continue; }
    else if ((c & 0xe0) == 0xc0) { need = 1; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { need = 2; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { need = 3; min = 0x10000; }
    else return false;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return false;
      const cc = <i32>b[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}
