// Text helpers of the text-transform plugin: case mapping with a locale, title case, slugs,
// reversing and counting by code point.
import { fromCodePoints, toCodePoints } from "./regex";

/** Upper case; locale "tr" maps i → İ (dotted capital I). */
export function toUpper(s: string, locale: string): string {
  if (locale == "tr") s = s.replaceAll("i", "İ");
  return s.toUpperCase();
}

/** Lower case; locale "tr" maps I → ı (dotless small i) and İ → i. */
export function toLower(s: string, locale: string): string {
  if (locale == "tr") s = s.replaceAll("İ", "i").replaceAll("I", "ı");
  return s.toLowerCase();
}

function isSpace(c: i32): bool {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0xa0 || c == 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
    c == 0x205f || c == 0x3000 || c == 0xfeff;
}

/** Characters after which a new word starts (besides whitespace). */
const OPENERS = "-/([{\"“‘«_";

/** Title Case: the first letter of every word upper case, the rest lower case. */
export function titleCase(s: string, locale: string): string {
  const cps = toCodePoints(s);
  const parts: string[] = [];
  let start = true;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    const ch = String.fromCodePoint(c);
    if (isSpace(c) || OPENERS.includes(ch)) {
      parts.push(ch);
      start = true;
      continue;
    }
    parts.push(start ? toUpper(ch, locale) : toLower(ch, locale));
    start = false;
  }
  return parts.join("");
}

/** Reverses by code point: surrogate pairs (emoji, rare CJK) stay intact. */
export function reverseCodePoints(s: string): string {
  const cps = toCodePoints(s);
  cps.reverse();
  return fromCodePoints(cps, 0, cps.length);
}

// Latin letters with diacritics → plain ASCII, for slugs.
const FOLD_FROM: string[] = [
  "àáâãäåāăą", "çćĉċč", "ďđð", "èéêëēĕėęě", "ĝğġģ", "ĥħ", "ìíîïĩīĭįı", "ĵ", "ķ", "ĺļľŀł",
  "ñńņňŉ", "òóôõöøōŏő", "ŕŗř", "śŝşšș", "ţťŧț", "ùúûüũūŭůűų", "ŵ", "ýÿŷ", "źżž",
  "ß", "æ", "œ", "þ",
];
const FOLD_TO: string[] = [
  "a", "c", "d", "e", "g", "h", "i", "j", "k", "l", "n", "o", "r", "s", "t", "u", "w", "y",
  "z", "ss", "ae", "oe", "th",
];

function fold(ch: string): string {
  for (let i = 0; i < FOLD_FROM.length; i++) if (FOLD_FROM[i].includes(ch)) return FOLD_TO[i];
  return ch;
}

/** Punctuation and symbols outside ASCII that separate words in a slug. */
function isSeparator(c: i32): bool {
  return isSpace(c) || (c >= 0xa0 && c <= 0xbf) || c == 0xd7 || c == 0xf7 ||
    (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xff00 && c <= 0xff0f);
}

/**
 * A URL slug: lower case, Latin diacritics folded (é → e, ß → ss), every run of other
 * characters than a-z and 0-9 (and non-Latin letters) turned into `separator`, trimmed.
 */
export function slugify(s: string, separator: string): string {
  const cps = toCodePoints(s.toLowerCase());
  const parts: string[] = [];
  let pending = false;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    const isAsciiAlnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    let keep = "";
    if (isAsciiAlnum) keep = String.fromCodePoint(c);
    else if (c >= 0x80 && !isSeparator(c)) keep = fold(String.fromCodePoint(c));
    if (c >= 0x300 && c <= 0x36f) continue; // combining marks (from decomposed input)
    if (keep.length == 0) {
      pending = parts.length > 0;
      continue;
    }
    if (pending) parts.push(separator);
    pending = false;
    parts.push(keep);
  }
  return parts.join("");
}

/** Counts of a text. */
export class Counts {
  characters: i32 = 0; // code points
  charactersNoSpaces: i32 = 0;
  words: i32 = 0; // runs of non-whitespace
  lines: i32 = 0;
  bytes: i32 = 0; // UTF-8
}

/** Counts characters (code points), words (runs of non-whitespace), lines and UTF-8 bytes. */
export function count(s: string): Counts {
  const r = new Counts();
  const cps = toCodePoints(s);
  let inWord = false;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    r.characters++;
    if (isSpace(c)) {
      inWord = false;
    } else {
      r.charactersNoSpaces++;
      if (!inWord) r.words++;
      inWord = true;
    }
    if (c == 0x0a) r.lines++;
  }
  if (s.length > 0) r.lines++;
  r.bytes = String.UTF8.byteLength(s);
  return r;
}
