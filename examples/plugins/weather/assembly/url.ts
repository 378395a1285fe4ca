// URL query encoding: UTF-8 percent-encoding as RFC 3986 defines it for a query value.

const HEX = "0123456789ABCDEF";

/** Whether byte `b` is an RFC 3986 unreserved character (A-Z a-z 0-9 - . _ ~), kept as is. */
function unreserved(b: u8): bool {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b == 0x2d || b == 0x2e || b == 0x5f || b == 0x7e;
}

/**
 * Percent-encodes `value` for a URL query: its UTF-8 bytes, every byte but the unreserved ones
 * as %XX. "São Paulo" → "S%C3%A3o%20Paulo". A lone surrogate becomes U+FFFD (%EF%BF%BD).
 */
export function encodeQueryValue(value: string): string {
  const bytes = Uint8Array.wrap(String.UTF8.encode(value));
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (unreserved(b)) {
      parts.push(String.fromCharCode(b));
    } else {
      parts.push("%" + HEX.charAt(b >> 4) + HEX.charAt(b & 15));
    }
  }
  return parts.join("");
}

/** `base` followed by `?query`, or `&query` when `base` already has a query. */
export function withQuery(base: string, query: string): string {
  return base + (base.includes("?") ? "&" : "?") + query;
}
