/**
 * Escapes the characters that let untrusted text (a plugin's log lines, its manifest, git's
 * output) act on a terminal or a log instead of being read: line breaks that forge a new log
 * line, escape sequences (ANSI CSI and OSC: clear the screen, set the window title), other C0
 * and C1 controls, and bidirectional overrides that make text read differently than it is.
 * @module
 */

/**
 * What each escaped character becomes; the rest get `\uNNNN`, JSON's own escape. JSON text
 * never holds these four raw (only C1 controls, DEL and bidi marks), so escaping JSON text
 * keeps it valid JSON with the same value.
 */
const NAMED: Readonly<Record<string, string>> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\x1b": "\\x1b",
};

// C0 controls and DEL, C1 controls, the bidi marks, embeddings, overrides and isolates, and the
// Unicode line and paragraph separators (line breaks to some terminals and log viewers).
const CONTROLS =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

function escapeOne(c: string): string {
  return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * `text` with every control character written as an escape (`\n`, `\x1b`, `\u202e`), so it
 * shows as one inert line. Printable text, backslashes included, is unchanged, so escaping
 * twice changes nothing more.
 *
 * @example
 * ```ts
 * escapeControls("ok\nerror: forged\x1b[2J"); // "ok\\nerror: forged\\x1b[2J"
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, escapeOne);
}
