/**
 * The streaming parser for tag-mode action calls. The model calls an action by writing
 *
 * ```text
 * <action name="PLUGIN.ACTION">{"json": "arguments"}</action>
 * ```
 *
 * {@linkcode createTagParser} takes the completion text chunk by chunk and turns it into events:
 * plain text (emitted as soon as it is certainly not part of a tag) and action calls. Joining the
 * `text` of text events, the `raw` of action events and the `text` of overflow events, in order,
 * gives back the input exactly.
 *
 * Rules:
 * - Opening tag: `<action`, whitespace, `name`, optional whitespace, `=`, optional whitespace,
 *   a `"` or `'` quoted value, optional whitespace, then `>` (or `/>` for a call without
 *   arguments). Anything else (`<actions>`, `<action>`, `< action`, `<a href>`, `a < b`) is text.
 *   The text of a possible tag is held back only until it stops matching this shape.
 * - A complete tag whose name is not `plugin.action` (lowercase, {@linkcode ACTION_NAME}) is
 *   still an action event, with `error` set, so the model is told and can correct itself.
 * - The body runs to the first `</action>` (whitespace allowed before `>`).
 * - A stream that ends inside a tag whose name was already read gives an action event with
 *   `error` ("the <action> tag was not closed"); an incomplete `<action` prefix is text.
 * - A body longer than `maxBodyChars` gives an action event with `error` as soon as it is seen;
 *   the rest of that tag, up to its `</action>`, comes as `overflow` events (not for display).
 * - Tags in Markdown code are text: fenced blocks (a line of 3+ backticks or tildes, any
 *   indentation, until a line of at least as many of the same character) and inline code spans
 *   (a run of N backticks until the next run of exactly N). A backslash-escaped backtick or `<`
 *   is literal. Deviations from CommonMark, kept for streaming: an inline span still open at a
 *   blank line or a fence closes there (CommonMark would make its opening backticks literal,
 *   but the text before was already emitted); tags on a backtick fence's opening line are text.
 *
 * @example
 * ```ts
 * const parser = createTagParser();
 * const events = [
 *   ...parser.push('Let me check. <action name="weather.fore'),
 *   ...parser.push('cast">{"city": "Paris"}</action>'),
 *   ...parser.end(),
 * ];
 * // [{ type: "text", text: "Let me check. " },
 * //  { type: "action", name: "weather.forecast", argsText: '{"city": "Paris"}', raw: "<action…" }]
 * ```
 * @module
 */

/** A valid action id in a tag: `<plugin>.<action>`, lowercase. */
export const ACTION_NAME = /^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_]*$/;

/** Default cap on a tag body, in UTF-16 code units (256 KiB of ASCII). */
export const MAX_ACTION_BODY_CHARS = 256 * 1024;

/** Longest `name` attribute value accepted as part of a tag; longer is text. */
export const MAX_ACTION_NAME_CHARS = 200;

/** An action call found in the text. */
export interface ActionTagEvent {
  type: "action";
  /** The `name` attribute, e.g. `weather.forecast`. */
  name: string;
  /** The raw body between the tags (JSON arguments; see {@linkcode parseActionArgs}). */
  argsText: string;
  /** The full text of the tag as the model wrote it. */
  raw: string;
  /** Set when the call is malformed; send it back to the model instead of running anything. */
  error?: string;
}

/** What the parser emits. */
export type ParserEvent =
  | { type: "text"; text: string }
  | ActionTagEvent
  /** The rest of an oversize tag after its error event: not for display, kept for exactness. */
  | { type: "overflow"; text: string };

/** Options of {@linkcode createTagParser}. */
export interface TagParserOptions {
  /** Largest body before the call is reported as an error (default 256 KiB). */
  maxBodyChars?: number;
}

/** A streaming tag parser; feed it with `push` and finish with `end`. */
export interface TagParser {
  /** Consumes the next chunk and returns the events it completes. */
  push(chunk: string): ParserEvent[];
  /** Ends the stream: releases held text and reports an unterminated tag. */
  end(): ParserEvent[];
}

/** The error of a tag still open at the end of the stream. */
export const UNCLOSED_TAG_ERROR = "the <action> tag was not closed";

// Char codes.
const LF = 10,
  TAB = 9,
  CR = 13,
  SPACE = 32,
  LT = 60,
  GT = 62,
  BACKSLASH = 92,
  BACKTICK = 96,
  TILDE = 126,
  EQ = 61,
  DQUOTE = 34,
  SQUOTE = 39,
  SLASH = 47;

// Parser modes.
const TEXT = 0, HEADER = 1, BODY = 2, OVERFLOW = 3;

// Header states: what the next character must be.
const H_KEYWORD = 0, // the rest of "<action"
  H_WS = 1, // whitespace after "<action"
  H_NAME_START = 2, // more whitespace or "n"
  H_NAME_KW = 3, // the rest of "name"
  H_EQ = 4, // whitespace or "="
  H_QUOTE = 5, // whitespace or a quote
  H_VALUE = 6, // the name value until the closing quote
  H_END = 7, // whitespace, ">" or "/"
  H_SELF_CLOSE = 8; // ">" after "/"

const OPEN = "<action";
const NAME = "name";
const CLOSE = "</action";

// Character classes for the bulk text scan: ORDINARY and BLANK (space, tab, CR) only clear
// `escaped` (ORDINARY also makes the line non-blank); SPECIAL ones go through `textStep`.
const ORDINARY = 0, BLANK = 1, SPECIAL = 2;
const CHAR_CLASS = new Uint8Array(128);
CHAR_CLASS[SPACE] = CHAR_CLASS[TAB] = CHAR_CLASS[CR] = BLANK;
for (const c of [LF, LT, BACKSLASH, BACKTICK, TILDE]) CHAR_CLASS[c] = SPECIAL;

function isWs(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

/**
 * Creates a streaming parser for `<action name="…">…</action>` tags.
 *
 * @example
 * ```ts
 * const p = createTagParser();
 * p.push("<act"); // [] (held back: could be a tag)
 * p.push("ually"); // [{ type: "text", text: "<actually" }]
 * ```
 */
export function createTagParser(opts: TagParserOptions = {}): TagParser {
  const maxBody = opts.maxBodyChars ?? MAX_ACTION_BODY_CHARS;

  // Markdown state (advanced only over text, never over tags).
  let lineBlank = true; // only spaces/tabs so far on this line
  let escaped = false; // the previous character was an unescaped backslash
  let runChar = 0; // the backtick/tilde run being counted, 0 when none
  let runLen = 0;
  let runAtLineStart = false;
  let inlineLen = 0; // backtick count of the open inline code span, 0 when none
  let openerLen = 0; // this line may open a backtick fence of this length
  let fenceChar = 0; // inside a fenced block when fenceLen > 0
  let fenceLen = 0;
  let fenceInfo = false; // on the opening line (the info string) of the fence
  let closerState = 0; // fence closing line: 0 indent, 1 run, 2 trailing space, 3 not a closer
  let closerRun = 0;

  // Tag state.
  let mode = TEXT;
  let held = ""; // the opening tag so far
  let hState = H_KEYWORD;
  let hIndex = 0; // position within OPEN / NAME
  let quote = 0;
  let name = "";
  let body = "";
  let closeIndex = 0; // characters of CLOSE matched
  let closeLen = 0; // length of the closing tag matched so far (incl. whitespace)

  // Output of the current push/end.
  // Allocated on the first event: most pushes give one text event, and `[event]` is far
  // cheaper than growing an empty array.
  let out: ParserEvent[] | null = null;
  let text = "";

  function emit(event: ParserEvent): void {
    if (out) out.push(event);
    else out = [event];
  }

  function flushText(): void {
    if (text) {
      emit({ type: "text", text });
      text = "";
    }
  }

  function emitAction(argsText: string, raw: string, error?: string): void {
    flushText();
    const event: ActionTagEvent = { type: "action", name, argsText, raw };
    if (error === undefined && !ACTION_NAME.test(name)) {
      error = `invalid action name "${name}": use <plugin>.<action> as listed, ` +
        `lowercase (e.g. weather.forecast)`;
    }
    if (error !== undefined) event.error = error;
    emit(event);
  }

  function resetTag(): void {
    held = "";
    hState = H_KEYWORD;
    hIndex = 0;
    quote = 0;
    name = "";
    body = "";
    closeIndex = 0;
    closeLen = 0;
  }

  /** A run of backticks or tildes has ended: it may open/close code. */
  function finishRun(): void {
    if (runChar === BACKTICK) {
      if (runAtLineStart && runLen >= 3) openerLen = runLen;
      else openerLen = 0; // a backtick after the opening run: not a fence opener
      if (inlineLen === 0) inlineLen = runLen;
      else if (inlineLen === runLen) inlineLen = 0;
    } else if (runAtLineStart && runLen >= 3) {
      fenceChar = TILDE;
      fenceLen = runLen;
      fenceInfo = true;
      inlineLen = 0;
      openerLen = 0;
    }
    runChar = 0;
    runLen = 0;
  }

  /** Advances the state of a fenced block by one character (all of it is text). */
  function fenceStep(c: number): void {
    if (fenceInfo) {
      if (c === LF) {
        fenceInfo = false;
        closerState = 0;
        closerRun = 0;
      }
      return;
    }
    if (c === LF) {
      if ((closerState === 1 || closerState === 2) && closerRun >= fenceLen) {
        fenceLen = 0;
        fenceChar = 0;
        lineBlank = true;
        escaped = false;
      }
      closerState = 0;
      closerRun = 0;
    } else if (closerState === 0) {
      if (c === fenceChar) {
        closerState = 1;
        closerRun = 1;
      } else if (c !== SPACE && c !== TAB && c !== CR) closerState = 3;
    } else if (closerState === 1) {
      if (c === fenceChar) closerRun++;
      else if (c === SPACE || c === TAB || c === CR) closerState = 2;
      else closerState = 3;
    } else if (closerState === 2 && c !== SPACE && c !== TAB && c !== CR) closerState = 3;
  }

  /**
   * Advances the Markdown state over one text character outside tags. Returns true when `c`
   * is a `<` that may start a tag.
   */
  function textStep(c: number): boolean {
    if (runLen > 0 && c !== runChar) finishRun();
    if (fenceLen > 0) {
      fenceStep(c);
      return false;
    }
    switch (c) {
      case LF:
        if (openerLen > 0) {
          fenceChar = BACKTICK;
          fenceLen = openerLen;
          fenceInfo = false;
          closerState = 0;
          closerRun = 0;
          openerLen = 0;
          inlineLen = 0;
        } else if (lineBlank) inlineLen = 0; // a blank line ends the paragraph
        lineBlank = true;
        escaped = false;
        return false;
      case SPACE:
      case TAB:
      case CR:
        escaped = false;
        return false;
      case BACKTICK:
      case TILDE:
        if (escaped) escaped = false;
        else if (runLen > 0) runLen++;
        else {
          runChar = c;
          runLen = 1;
          runAtLineStart = lineBlank;
        }
        lineBlank = false;
        return false;
      case BACKSLASH:
        escaped = !escaped && inlineLen === 0;
        lineBlank = false;
        return false;
      case LT: {
        const tag = !escaped && inlineLen === 0 && openerLen === 0;
        escaped = false;
        lineBlank = false;
        return tag;
      }
      default:
        escaped = false;
        lineBlank = false;
        return false;
    }
  }

  /**
   * Advances the Markdown state over `s` from `i` to the first `<` that may start a tag (its
   * index) or to the end (`s.length`). Same result as {@linkcode textStep} per character, but
   * runs of ordinary characters and the lines inside fenced blocks are skipped in bulk.
   */
  function scanText(s: string, i: number): number {
    const n = s.length;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (fenceLen > 0 && runLen === 0) {
        if (fenceInfo || closerState === 3) {
          // Nothing but the line end matters here.
          const j = s.indexOf("\n", i);
          if (j < 0) return n;
          fenceStep(LF);
          i = j + 1;
        } else {
          fenceStep(c);
          i++;
        }
        continue;
      }
      const cls = c < 128 ? CHAR_CLASS[c] : ORDINARY;
      if (cls === SPECIAL || runLen > 0) {
        if (textStep(c)) return i;
        i++;
        continue;
      }
      // A run of ordinary characters and spaces: each clears `escaped`; any non-space one
      // makes the line non-blank. Nothing else changes until the next special character.
      let blank = cls === BLANK;
      for (i++; i < n; i++) {
        const d = s.charCodeAt(i);
        const k = d < 128 ? CHAR_CLASS[d] : ORDINARY;
        if (k === SPECIAL) break;
        if (k === ORDINARY) blank = false;
      }
      escaped = false;
      if (!blank) lineBlank = false;
    }
    return n;
  }

  /**
   * Feeds `s` through the state machine; text goes to `text`, events to `out`. `scanned`, when
   * given, is the index of a possible tag start that {@linkcode scanText} already reached (in
   * TEXT mode, from 0).
   */
  function feed(s: string, scanned = -1): void {
    const n = s.length;
    let i = scanned < 0 ? 0 : scanned;
    let textStart = 0; // start of the pending text slice of `s` (TEXT mode)
    while (i < n) {
      if (mode === TEXT) {
        if (scanned < 0) i = scanText(s, i);
        scanned = -1;
        text += s.slice(textStart, i);
        if (i === n) return;
        mode = HEADER;
        held = "<";
        hState = H_KEYWORD;
        hIndex = 1;
        i++;
        continue;
      }
      if (mode === HEADER) {
        const c = s.charCodeAt(i);
        const next = headerStep(c);
        if (next === "fail") {
          // Not a tag: its first "<" is text; the rest is re-read (it contains no "<").
          const rest = held.slice(1);
          resetTag();
          mode = TEXT;
          text += "<"; // already stepped over when the header began

          feed(rest);
          textStart = i; // `c` itself is read again in TEXT mode
          continue;
        }
        held += s[i];
        i++;
        if (next === "body") {
          mode = BODY;
        } else if (next === "closed") {
          emitAction("", held);
          resetTag();
          mode = TEXT;
          lineBlank = false;
          escaped = false;
          textStart = i;
        }
        continue;
      }
      // BODY or OVERFLOW: look for the closing tag.
      const start = i;
      let closed = false;
      while (i < n) {
        if (closeIndex === 0) {
          const j = s.indexOf("<", i);
          if (j < 0) {
            i = n;
            break;
          }
          i = j;
        }
        const c = s.charCodeAt(i++);
        if (closeIndex < CLOSE.length) {
          if (c === CLOSE.charCodeAt(closeIndex)) {
            closeIndex++;
            closeLen++;
          } else if (c === LT) {
            closeIndex = 1;
            closeLen = 1;
          } else {
            closeIndex = 0;
            closeLen = 0;
          }
        } else if (c === GT) {
          closeLen++;
          closed = true;
          break;
        } else if (isWs(c)) {
          closeLen++;
        } else if (c === LT) {
          closeIndex = 1;
          closeLen = 1;
        } else {
          closeIndex = 0;
          closeLen = 0;
        }
      }
      const part = s.slice(start, i);
      if (mode === OVERFLOW) {
        if (part) {
          flushText();
          emit({ type: "overflow", text: part });
        }
      } else {
        body += part;
      }
      if (closed) {
        if (mode === BODY) {
          const argsText = body.slice(0, body.length - closeLen);
          emitAction(
            argsText,
            held + body,
            argsText.length > maxBody ? oversizeError(maxBody) : undefined,
          );
        }
        resetTag();
        mode = TEXT;
        lineBlank = false;
        escaped = false;
        textStart = i;
      } else if (mode === BODY && body.length - closeLen > maxBody) {
        // Report now and stop buffering; the rest of the tag is passed through as overflow.
        emitAction(body.slice(0, body.length - closeLen), held + body, oversizeError(maxBody));
        held = "";
        body = "";
        mode = OVERFLOW;
      }
    }
  }

  /** One character of the opening tag: "more", "body" (tag open), "closed" (`/>`) or "fail". */
  function headerStep(c: number): "more" | "body" | "closed" | "fail" {
    switch (hState) {
      case H_KEYWORD:
        if (c !== OPEN.charCodeAt(hIndex)) return "fail";
        if (++hIndex === OPEN.length) hState = H_WS;
        return "more";
      case H_WS:
        if (!isWs(c)) return "fail";
        hState = H_NAME_START;
        return "more";
      case H_NAME_START:
        if (isWs(c)) return "more";
        if (c !== NAME.charCodeAt(0)) return "fail";
        hState = H_NAME_KW;
        hIndex = 1;
        return "more";
      case H_NAME_KW:
        if (c !== NAME.charCodeAt(hIndex)) return "fail";
        if (++hIndex === NAME.length) hState = H_EQ;
        return "more";
      case H_EQ:
        if (isWs(c)) return "more";
        if (c !== EQ) return "fail";
        hState = H_QUOTE;
        return "more";
      case H_QUOTE:
        if (isWs(c)) return "more";
        if (c !== DQUOTE && c !== SQUOTE) return "fail";
        quote = c;
        hState = H_VALUE;
        return "more";
      case H_VALUE:
        if (c === quote) {
          hState = H_END;
          return "more";
        }
        if (
          c === LF || c === LT || c === GT || c === BACKTICK ||
          name.length >= MAX_ACTION_NAME_CHARS
        ) return "fail";
        name += String.fromCharCode(c);
        return "more";
      case H_END:
        if (isWs(c)) return "more";
        if (c === GT) return "body";
        if (c === SLASH) {
          hState = H_SELF_CLOSE;
          return "more";
        }
        return "fail";
      default: // H_SELF_CLOSE
        return c === GT ? "closed" : "fail";
    }
  }

  function take(): ParserEvent[] {
    flushText();
    const events = out ?? [];
    out = null;
    return events;
  }

  return {
    push(chunk) {
      // The common case: a chunk of plain text, nothing held. One event, no copies.
      if (mode === TEXT && out === null && text === "") {
        const i = scanText(chunk, 0);
        if (i === chunk.length) return i === 0 ? [] : [{ type: "text", text: chunk }];
        feed(chunk, i); // a tag may start at `i`; the text before it is already scanned
      } else feed(chunk);
      return take();
    },
    end() {
      if (mode === HEADER) {
        if (hState === H_END || hState === H_SELF_CLOSE) emitAction("", held, UNCLOSED_TAG_ERROR);
        else {
          // An incomplete prefix such as "<act": plain text.
          text += held;
        }
      } else if (mode === BODY) {
        emitAction(body, held + body, UNCLOSED_TAG_ERROR);
      }
      resetTag();
      mode = TEXT;
      return take();
    },
  };
}

function oversizeError(max: number): string {
  return `the arguments are larger than ${max} characters; send a smaller request`;
}

/** The outcome of {@linkcode parseActionArgs}. */
export type ParsedArgs =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; error: string };

/**
 * Parses a tag body as the JSON arguments object. An empty body is `{}`; a body wrapped in a
 * Markdown code fence (```` ```json … ``` ````) is accepted, as models sometimes write one.
 *
 * @example
 * ```ts
 * parseActionArgs('{"city": "Paris"}'); // { ok: true, value: { city: "Paris" } }
 * parseActionArgs("[1]"); // { ok: false, error: "arguments must be a JSON object, not an array" }
 * ```
 */
export function parseActionArgs(argsText: string): ParsedArgs {
  let source = argsText.trim();
  const fenced = /^(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n?\1\s*$/.exec(source);
  if (fenced) source = fenced[2].trim();
  if (source === "") return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (e) {
    return { ok: false, error: `arguments are not valid JSON: ${(e as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { ok: false, error: `arguments must be a JSON object, not ${kind}` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
