// A small, safe regular expression engine (AssemblyScript has no RegExp).
//
// Supported: literals; `.` (any code point but \n); classes `[abc]`, `[a-z]`, `[^...]` with
// `\d \w \s \D \W \S` inside; escapes `\d \D \w \W \s \S \b \B \n \r \t \f \v \0 \xHH \uHHHH` and
// `\` before any punctuation; anchors `^ $`; groups `( )` (capturing, $1…$9 in replacements)
// and `(?: )`; alternation `|`; quantifiers `* + ? {m} {m,} {m,n}` (n ≤ 1000), each greedy or
// lazy (`*?` …). Flags: i (ignore case), m (^ and $ at line breaks), g (all matches).
// Not supported: lookaround, backreferences, named groups, Unicode property classes.
//
// Matching runs on code points with a backtracking machine that counts its steps: past
// STEP_LIMIT the match gives up with an error instead of running for ever, so pathological
// patterns such as (a+)+$ fail fast. Empty iterations of `*` loops are cut, so (a*)* ends.

/** Steps (instructions executed) one replace call may take across all match attempts. */
export const STEP_LIMIT: i32 = 1000000;
const MAX_PROGRAM: i32 = 20000;
const MAX_REPEAT: i32 = 1000;
const MAX_STACK: i32 = 2000000;

// Opcodes.
const OP_CHAR: i32 = 0;
const OP_ANY: i32 = 1;
const OP_CLASS: i32 = 2;
const OP_SPLIT: i32 = 3; // try a1 first, then a2
const OP_JMP: i32 = 4;
const OP_SAVE: i32 = 5;
const OP_MATCH: i32 = 6;
const OP_BOL: i32 = 7;
const OP_EOL: i32 = 8;
const OP_WORDB: i32 = 9;
const OP_NWORDB: i32 = 10;
const OP_MARK: i32 = 11; // remember the position at a loop's start
const OP_CHECK: i32 = 12; // fail when a loop iteration consumed nothing

// AST node kinds.
const N_CHAR: i32 = 0;
const N_ANY: i32 = 1;
const N_CLASS: i32 = 2;
const N_BOL: i32 = 3;
const N_EOL: i32 = 4;
const N_WORDB: i32 = 5;
const N_NWORDB: i32 = 6;
const N_CAT: i32 = 7;
const N_ALT: i32 = 8;
const N_REP: i32 = 9;
const N_GROUP: i32 = 10;

// Built-in classes.
const K_DIGIT: i32 = 1;
const K_WORD: i32 = 2;
const K_SPACE: i32 = 3;

class Node {
  kind: i32;
  value: i32 = 0; // char, class index, or group index
  min: i32 = 0;
  max: i32 = 0; // -1: unbounded
  greedy: bool = true;
  kids: Node[] = [];
  constructor(kind: i32) {
    this.kind = kind;
  }
}

class CharClass {
  negate: bool = false;
  ranges: i32[] = []; // inclusive pairs
  kinds: i32[] = []; // K_* (negative: negated built-in)
}

function isSpace(c: i32): bool {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0xa0 || c == 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
    c == 0x205f || c == 0x3000 || c == 0xfeff;
}
function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}
function isWord(c: i32): bool {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}
function inKind(kind: i32, c: i32): bool {
  const k = kind < 0 ? -kind : kind;
  const r = k == K_DIGIT ? isDigit(c) : k == K_WORD ? isWord(c) : isSpace(c);
  return kind < 0 ? !r : r;
}

/** Simple case folding of one code point (to lower case when that is one code point). */
function lower(c: i32): i32 {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c + 32 : c;
  const s = String.fromCodePoint(c).toLowerCase();
  const l = s.codePointAt(0);
  return s.length == (l > 0xffff ? 2 : 1) ? l : c;
}
function upper(c: i32): i32 {
  if (c < 0x80) return c >= 0x61 && c <= 0x7a ? c - 32 : c;
  const s = String.fromCodePoint(c).toUpperCase();
  const u = s.codePointAt(0);
  return s.length == (u > 0xffff ? 2 : 1) ? u : c;
}

function classHas(cls: CharClass, c: i32): bool {
  let hit = false;
  for (let i = 0; i < cls.ranges.length && !hit; i += 2) {
    hit = c >= cls.ranges[i] && c <= cls.ranges[i + 1];
  }
  for (let i = 0; i < cls.kinds.length && !hit; i++) hit = inKind(cls.kinds[i], c);
  return hit;
}

/** A compiled pattern. Use `compileRegex`, then `regexReplace`. */
export class Regex {
  ops: i32[] = [];
  a1: i32[] = [];
  a2: i32[] = [];
  classes: CharClass[] = [];
  groups: i32 = 0; // capture groups, not counting the whole match
  marks: i32 = 0;
  ignoreCase: bool = false;
  multiline: bool = false;
  global: bool = false;
}

/** Set when compileRegex returns null or a match gives up. */
export let regexError: string = "";

// --- Parser ---

class Parser {
  pos: i32 = 0;
  error: string = "";
  groups: i32 = 0;
  classes: CharClass[] = [];
  constructor(public p: i32[]) {}

  fail(message: string): Node | null {
    if (!this.error.length) this.error = message + " at position " + this.pos.toString();
    return null;
  }
  peek(): i32 {
    return this.pos < this.p.length ? this.p[this.pos] : -1;
  }
  alt(depth: i32): Node | null {
    if (depth > 100) return this.fail("groups nested too deeply");
    const first = this.cat(depth);
    if (first == null) return null;
    if (this.peek() != 0x7c) return first;
    const n = new Node(N_ALT);
    n.kids.push(first);
    while (this.peek() == 0x7c) {
      this.pos++;
      const next = this.cat(depth);
      if (next == null) return null;
      n.kids.push(next);
    }
    return n;
  }
  cat(depth: i32): Node | null {
    const n = new Node(N_CAT);
    while (this.pos < this.p.length && this.peek() != 0x7c && this.peek() != 0x29) {
      const atom = this.atom(depth);
      if (atom == null) return null;
      const rep = this.quant(atom);
      if (rep == null) return null;
      n.kids.push(rep);
    }
    return n;
  }
  number(): i32 {
    let v = -1;
    while (isDigit(this.peek())) {
      v = (v < 0 ? 0 : v) * 10 + (this.peek() - 0x30);
      if (v > 100000) v = 100000;
      this.pos++;
    }
    return v;
  }
  quant(atom: Node): Node | null {
    const c = this.peek();
    let min = 0;
    let max = 0;
    if (c == 0x2a) { min = 0; max = -1; this.pos++; }
    else if (c == 0x2b) { min = 1; max = -1; this.pos++; }
    else if (c == 0x3f) { min = 0; max = 1; this.pos++; }
    else if (c == 0x7b) {
      const save = this.pos;
      this.pos++;
      min = this.number();
      if (min < 0) {
        this.pos = save;
        return atom; // a literal "{"… is handled by atom() on the next round
      }
      max = min;
      if (this.peek() == 0x2c) {
        this.pos++;
        max = this.number();
      }
      if (this.peek() != 0x7d) return this.fail("expected } to end the {m,n} quantifier");
      this.pos++;
      if (min > MAX_REPEAT || max > MAX_REPEAT) {
        return this.fail("repeat counts above " + MAX_REPEAT.toString() + " are not supported");
      }
      if (max >= 0 && max < min) return this.fail("{m,n} with n < m");
    } else {
      return atom;
    }
    if (atom.kind == N_BOL || atom.kind == N_EOL || atom.kind == N_WORDB || atom.kind == N_NWORDB) {
      return this.fail("nothing to repeat");
    }
    const n = new Node(N_REP);
    n.min = min;
    n.max = max;
    n.kids.push(atom);
    if (this.peek() == 0x3f) {
      n.greedy = false;
      this.pos++;
    }
    const next = this.peek();
    if (next == 0x2a || next == 0x2b || next == 0x3f) return this.fail("nothing to repeat");
    return n;
  }
  hexDigits(count: i32): i32 {
    let v = 0;
    for (let i = 0; i < count; i++) {
      const c = this.peek();
      let d = -1;
      if (isDigit(c)) d = c - 0x30;
      else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x61 + 10;
      if (d < 0) return -1;
      v = v * 16 + d;
      this.pos++;
    }
    return v;
  }
  /** After a backslash: a single code point (>= 0), a built-in class (-K), or -100 on error. */
  escape(inClass: bool): i32 {
    if (this.pos >= this.p.length) {
      this.fail("pattern ends with a backslash");
      return -100;
    }
    const c = this.p[this.pos++];
    if (c == 0x64) return -K_DIGIT - 10; // \d
    if (c == 0x44) return -K_DIGIT - 20; // \D
    if (c == 0x77) return -K_WORD - 10;
    if (c == 0x57) return -K_WORD - 20;
    if (c == 0x73) return -K_SPACE - 10;
    if (c == 0x53) return -K_SPACE - 20;
    if (c == 0x6e) return 0x0a;
    if (c == 0x72) return 0x0d;
    if (c == 0x74) return 0x09;
    if (c == 0x66) return 0x0c;
    if (c == 0x76) return 0x0b;
    if (c == 0x30) return 0;
    if (c == 0x62 && inClass) return 0x08;
    if (c == 0x78 || c == 0x75) {
      const v = this.hexDigits(c == 0x78 ? 2 : 4);
      if (v < 0) {
        this.fail("invalid \\" + String.fromCharCode(c) + " escape");
        return -100;
      }
      return v;
    }
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || isDigit(c)) {
      this.pos--;
      this.fail("unsupported escape \\" + String.fromCharCode(c));
      return -100;
    }
    return c; // an escaped punctuation character stands for itself
  }
  klass(): Node | null {
    this.pos++; // [
    const cls = new CharClass();
    if (this.peek() == 0x5e) {
      cls.negate = true;
      this.pos++;
    }
    let first = true;
    while (true) {
      if (this.pos >= this.p.length) return this.fail("unterminated [ class");
      let c = this.p[this.pos];
      if (c == 0x5d && !first) {
        this.pos++;
        break;
      }
      first = false;
      this.pos++;
      if (c == 0x5c) {
        c = this.escape(true);
        if (c == -100) return null;
        if (c < 0) {
          const k = -c;
          cls.kinds.push(k > 20 ? -(k - 20) : k - 10);
          continue;
        }
      }
      if (this.peek() == 0x2d && this.pos + 1 < this.p.length && this.p[this.pos + 1] != 0x5d) {
        this.pos++;
        let hi = this.p[this.pos++];
        if (hi == 0x5c) {
          hi = this.escape(true);
          if (hi == -100) return null;
          if (hi < 0) return this.fail("a class like \\d cannot end a range");
        }
        if (hi < c) return this.fail("invalid range: the end is below the start");
        cls.ranges.push(c);
        cls.ranges.push(hi);
      } else {
        cls.ranges.push(c);
        cls.ranges.push(c);
      }
    }
    const n = new Node(N_CLASS);
    n.value = this.classes.length;
    this.classes.push(cls);
    return n;
  }
  builtin(code: i32): Node {
    const k = -code;
    const cls = new CharClass();
    cls.kinds.push(k > 20 ? -(k - 20) : k - 10);
    const n = new Node(N_CLASS);
    n.value = this.classes.length;
    this.classes.push(cls);
    return n;
  }
  atom(depth: i32): Node | null {
    const c = this.p[this.pos];
    if (c == 0x28) {
      this.pos++;
      let capture = true;
      if (this.peek() == 0x3f) {
        if (this.pos + 1 < this.p.length && this.p[this.pos + 1] == 0x3a) {
          capture = false;
          this.pos += 2;
        } else {
          return this.fail("(? groups other than (?: are not supported");
        }
      }
      let index = 0;
      if (capture) index = ++this.groups;
      const inner = this.alt(depth + 1);
      if (inner == null) return null;
      if (this.peek() != 0x29) return this.fail("missing ) to close the group");
      this.pos++;
      if (!capture) return inner;
      const g = new Node(N_GROUP);
      g.value = index;
      g.kids.push(inner);
      return g;
    }
    if (c == 0x29) return this.fail("unmatched )");
    if (c == 0x5b) return this.klass();
    if (c == 0x2a || c == 0x2b || c == 0x3f) return this.fail("nothing to repeat");
    this.pos++;
    if (c == 0x2e) return new Node(N_ANY);
    if (c == 0x5e) return new Node(N_BOL);
    if (c == 0x24) return new Node(N_EOL);
    let cp = c;
    if (c == 0x5c) {
      if (this.peek() == 0x62) {
        this.pos++;
        return new Node(N_WORDB);
      }
      if (this.peek() == 0x42) {
        this.pos++;
        return new Node(N_NWORDB);
      }
      cp = this.escape(false);
      if (cp == -100) return null;
      if (cp < 0) return this.builtin(cp);
    }
    const n = new Node(N_CHAR);
    n.value = cp;
    return n;
  }
}

// --- Compiler ---

function emit(re: Regex, op: i32, a1: i32, a2: i32): i32 {
  re.ops.push(op);
  re.a1.push(a1);
  re.a2.push(a2);
  return re.ops.length - 1;
}

function compileNode(re: Regex, n: Node): bool {
  if (re.ops.length > MAX_PROGRAM) return false;
  const k = n.kind;
  if (k == N_CHAR) emit(re, OP_CHAR, re.ignoreCase ? lower(n.value) : n.value, 0);
  else if (k == N_ANY) emit(re, OP_ANY, 0, 0);
  else if (k == N_CLASS) emit(re, OP_CLASS, n.value, 0);
  else if (k == N_BOL) emit(re, OP_BOL, 0, 0);
  else if (k == N_EOL) emit(re, OP_EOL, 0, 0);
  else if (k == N_WORDB) emit(re, OP_WORDB, 0, 0);
  else if (k == N_NWORDB) emit(re, OP_NWORDB, 0, 0);
  else if (k == N_CAT) {
    for (let i = 0; i < n.kids.length; i++) if (!compileNode(re, n.kids[i])) return false;
  } else if (k == N_GROUP) {
    emit(re, OP_SAVE, n.value * 2, 0);
    if (!compileNode(re, n.kids[0])) return false;
    emit(re, OP_SAVE, n.value * 2 + 1, 0);
  } else if (k == N_ALT) {
    const jumps: i32[] = [];
    for (let i = 0; i < n.kids.length; i++) {
      let split = -1;
      if (i < n.kids.length - 1) split = emit(re, OP_SPLIT, re.ops.length + 1, 0);
      if (!compileNode(re, n.kids[i])) return false;
      if (i < n.kids.length - 1) {
        jumps.push(emit(re, OP_JMP, 0, 0));
        re.a2[split] = re.ops.length;
      }
    }
    for (let i = 0; i < jumps.length; i++) re.a1[jumps[i]] = re.ops.length;
  } else {
    // N_REP: `min` copies, then either a loop (max = -1) or max - min optional copies.
    const body = n.kids[0];
    for (let i = 0; i < n.min; i++) if (!compileNode(re, body)) return false;
    if (n.max < 0) {
      const mark = re.marks++;
      const split = emit(re, OP_SPLIT, 0, 0);
      emit(re, OP_MARK, mark, 0);
      if (!compileNode(re, body)) return false;
      emit(re, OP_CHECK, mark, 0);
      emit(re, OP_JMP, split, 0);
      const end = re.ops.length;
      if (n.greedy) {
        re.a1[split] = split + 1;
        re.a2[split] = end;
      } else {
        re.a1[split] = end;
        re.a2[split] = split + 1;
      }
    } else {
      const splits: i32[] = [];
      for (let i = n.min; i < n.max; i++) {
        splits.push(emit(re, OP_SPLIT, 0, 0));
        if (!compileNode(re, body)) return false;
      }
      const end = re.ops.length;
      for (let i = 0; i < splits.length; i++) {
        const s = splits[i];
        if (n.greedy) {
          re.a1[s] = s + 1;
          re.a2[s] = end;
        } else {
          re.a1[s] = end;
          re.a2[s] = s + 1;
        }
      }
    }
  }
  return re.ops.length <= MAX_PROGRAM;
}

/** Code points of `s` (lone surrogates kept as they are). */
export function toCodePoints(s: string): i32[] {
  const out: i32[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i);
    out.push(c);
    if (c > 0xffff) i++;
  }
  return out;
}

/** The string of code points `cps[from..to)`. */
export function fromCodePoints(cps: i32[], from: i32, to: i32): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) parts.push(String.fromCodePoint(cps[i]));
  return parts.join("");
}

/**
 * Compiles `pattern` with `flags` (any of "g", "i", "m"). Returns null and sets regexError
 * for an invalid or unsupported pattern.
 */
export function compileRegex(pattern: string, flags: string): Regex | null {
  const re = new Regex();
  for (let i = 0; i < flags.length; i++) {
    const f = flags.charAt(i);
    if (f == "g") re.global = true;
    else if (f == "i") re.ignoreCase = true;
    else if (f == "m") re.multiline = true;
    else {
      regexError = "unknown flag \"" + f + "\" (supported: g, i, m)";
      return null;
    }
  }
  const parser = new Parser(toCodePoints(pattern));
  const ast = parser.alt(0);
  if (ast == null || parser.pos < parser.p.length) {
    if (ast != null) parser.fail("unmatched )");
    regexError = "invalid pattern: " + parser.error;
    return null;
  }
  re.groups = parser.groups;
  re.classes = parser.classes;
  emit(re, OP_SAVE, 0, 0);
  if (!compileNode(re, ast)) {
    regexError = "invalid pattern: it expands to more than " + MAX_PROGRAM.toString() +
      " instructions (use smaller {m,n} counts)";
    return null;
  }
  emit(re, OP_SAVE, 1, 0);
  emit(re, OP_MATCH, 0, 0);
  return re;
}

// --- Matcher ---

class Machine {
  steps: i32 = 0;
  caps: i32[];
  marks: i32[];
  // Backtrack stack of triples: (kind, x, y). kind 0: thread (pc, sp); 1: restore caps[x] = y;
  // 2: restore marks[x] = y.
  stack: i32[] = [];
  gaveUp: bool = false;
  constructor(public re: Regex, public text: i32[]) {
    this.caps = new Array<i32>((re.groups + 1) * 2).fill(-1);
    this.marks = new Array<i32>(re.marks).fill(-1);
  }

  push(kind: i32, x: i32, y: i32): bool {
    if (this.stack.length >= MAX_STACK) {
      this.gaveUp = true;
      regexError = "the pattern needs too much backtracking memory on this text";
      return false;
    }
    this.stack.push(kind);
    this.stack.push(x);
    this.stack.push(y);
    return true;
  }

  charMatches(op: i32, arg: i32, c: i32): bool {
    const re = this.re;
    if (op == OP_CHAR) return re.ignoreCase ? lower(c) == arg : c == arg;
    if (op == OP_ANY) return c != 0x0a;
    const cls = re.classes[arg];
    let hit = classHas(cls, c);
    if (!hit && re.ignoreCase) hit = classHas(cls, lower(c)) || classHas(cls, upper(c));
    return cls.negate ? !hit : hit;
  }

  wordAt(i: i32): bool {
    return i >= 0 && i < this.text.length && isWord(this.text[i]);
  }

  /** Tries to match at `start`; true on a match (captures in `caps`). */
  run(start: i32): bool {
    const re = this.re;
    const text = this.text;
    const n = text.length;
    this.caps.fill(-1);
    this.marks.fill(-1);
    this.stack.length = 0;
    if (!this.push(0, 0, start)) return false;
    while (this.stack.length > 0) {
      const y = this.stack.pop();
      const x = this.stack.pop();
      const kind = this.stack.pop();
      if (kind == 1) {
        this.caps[x] = y;
        continue;
      }
      if (kind == 2) {
        this.marks[x] = y;
        continue;
      }
      let pc = x;
      let sp = y;
      while (true) {
        if (++this.steps > STEP_LIMIT) {
          this.gaveUp = true;
          regexError = "the pattern is too complex for this text: gave up after " +
            STEP_LIMIT.toString() + " steps (simplify nested quantifiers like (a+)+)";
          return false;
        }
        const op = re.ops[pc];
        if (op == OP_CHAR || op == OP_ANY || op == OP_CLASS) {
          if (sp < n && this.charMatches(op, re.a1[pc], text[sp])) {
            pc++;
            sp++;
            continue;
          }
          break;
        } else if (op == OP_SPLIT) {
          if (!this.push(0, re.a2[pc], sp)) return false;
          pc = re.a1[pc];
        } else if (op == OP_JMP) {
          pc = re.a1[pc];
        } else if (op == OP_SAVE) {
          const slot = re.a1[pc];
          if (!this.push(1, slot, this.caps[slot])) return false;
          this.caps[slot] = sp;
          pc++;
        } else if (op == OP_MARK) {
          const slot = re.a1[pc];
          if (!this.push(2, slot, this.marks[slot])) return false;
          this.marks[slot] = sp;
          pc++;
        } else if (op == OP_CHECK) {
          if (this.marks[re.a1[pc]] == sp) break;
          pc++;
        } else if (op == OP_BOL) {
          if (sp == 0 || (re.multiline && text[sp - 1] == 0x0a)) pc++;
          else break;
        } else if (op == OP_EOL) {
          if (sp == n || (re.multiline && text[sp] == 0x0a)) pc++;
          else break;
        } else if (op == OP_WORDB || op == OP_NWORDB) {
          const atB = this.wordAt(sp - 1) != this.wordAt(sp);
          if (atB == (op == OP_WORDB)) pc++;
          else break;
        } else {
          return true; // OP_MATCH
        }
      }
    }
    return false;
  }
}

/** The outcome of `regexReplace`: the new text and the number of matches replaced. */
export class ReplaceResult {
  constructor(public text: string, public count: i32) {}
}

function appendCodePoints(parts: string[], cps: i32[], from: i32, to: i32): void {
  if (to > from) parts.push(fromCodePoints(cps, from, to));
}

/**
 * Replaces the first match (or all, with flag g) of `re` in `text` by `replacement`, where
 * `$1`…`$9` insert a group, `$&` the whole match and `$$` a dollar sign. Returns null and sets
 * regexError when matching gives up (step or memory limit).
 */
export function regexReplace(re: Regex, text: string, replacement: string): ReplaceResult | null {
  const cps = toCodePoints(text);
  const m = new Machine(re, cps);
  const rep = toCodePoints(replacement);
  const parts: string[] = [];
  let pos = 0;
  let count = 0;
  let searchFrom = 0;
  while (searchFrom <= cps.length) {
    let found = -1;
    for (let s = searchFrom; s <= cps.length; s++) {
      if (m.run(s)) {
        found = s;
        break;
      }
      if (m.gaveUp) return null;
    }
    if (found < 0) break;
    const start = m.caps[0];
    const end = m.caps[1];
    appendCodePoints(parts, cps, pos, start);
    for (let i = 0; i < rep.length; i++) {
      const c = rep[i];
      if (c == 0x24 && i + 1 < rep.length) {
        const d = rep[i + 1];
        if (d == 0x24) {
          parts.push("$");
          i++;
          continue;
        }
        if (d == 0x26) {
          appendCodePoints(parts, cps, start, end);
          i++;
          continue;
        }
        if (d >= 0x31 && d <= 0x39 && d - 0x30 <= re.groups) {
          const g = d - 0x30;
          const gs = m.caps[g * 2];
          const ge = m.caps[g * 2 + 1];
          if (gs >= 0 && ge >= gs) appendCodePoints(parts, cps, gs, ge);
          i++;
          continue;
        }
      }
      parts.push(String.fromCodePoint(c));
    }
    count++;
    pos = end;
    if (!re.global) break;
    if (end == start) {
      // An empty match: keep the next code point and search after it.
      if (end < cps.length) appendCodePoints(parts, cps, end, end + 1);
      pos = end + 1;
      searchFrom = end + 1;
    } else {
      searchFrom = end;
    }
  }
  if (pos < cps.length) appendCodePoints(parts, cps, pos, cps.length);
  return new ReplaceResult(parts.join(""), count);
}
