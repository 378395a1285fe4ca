/* A strict, allocation-free JSON scanner and a small JSON writer (see include/json.h). */
#include "json.h"

#define MAX_DEPTH 64

typedef struct {
  const char *p;
  const char *end;
} Cursor;

static void skip_ws(Cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) {
    c->p++;
  }
}

static int is_hex(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return ch - 'A' + 10;
}

/* Skips a string starting at the opening quote; checks escapes and control characters. */
static int scan_string(Cursor *c) {
  if (c->p >= c->end || *c->p != '"') return -1;
  c->p++;
  while (c->p < c->end) {
    unsigned char ch = (unsigned char)*c->p++;
    if (ch == '"') return 0;
    if (ch < 0x20) return -1;
    if (ch == '\\') {
      if (c->p >= c->end) return -1;
      char e = *c->p++;
      if (e == 'u') {
        for (int i = 0; i < 4; i++) {
          if (c->p >= c->end || !is_hex(*c->p)) return -1;
          c->p++;
        }
      } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
                 e != 'r' && e != 't') {
        return -1;
      }
    }
  }
  return -1;
}

static int scan_digits(Cursor *c) {
  const char *start = c->p;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
  return c->p > start ? 0 : -1;
}

static int scan_number(Cursor *c) {
  if (c->p < c->end && *c->p == '-') c->p++;
  if (c->p < c->end && *c->p == '0') {
    c->p++;
  } else if (scan_digits(c)) {
    return -1;
  }
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (scan_digits(c)) return -1;
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
    if (scan_digits(c)) return -1;
  }
  return 0;
}

static int scan_literal(Cursor *c, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) < n) return -1;
  for (size_t i = 0; i < n; i++) {
    if (c->p[i] != word[i]) return -1;
  }
  c->p += n;
  return 0;
}

static int scan_value(Cursor *c, JsonValue *v, int depth);

/* Scans an object's or array's members after its opening bracket. */
static int scan_container(Cursor *c, char close, int depth) {
  skip_ws(c);
  if (c->p < c->end && *c->p == close) {
    c->p++;
    return 0;
  }
  for (;;) {
    JsonValue ignored;
    skip_ws(c);
    if (close == '}') {
      if (scan_string(c)) return -1;
      skip_ws(c);
      if (c->p >= c->end || *c->p++ != ':') return -1;
    }
    if (scan_value(c, &ignored, depth + 1)) return -1;
    skip_ws(c);
    if (c->p >= c->end) return -1;
    char ch = *c->p++;
    if (ch == close) return 0;
    if (ch != ',') return -1;
  }
}

static int scan_value(Cursor *c, JsonValue *v, int depth) {
  if (depth > MAX_DEPTH) return -1;
  skip_ws(c);
  if (c->p >= c->end) return -1;
  v->start = c->p;
  int err;
  switch (*c->p) {
    case '"':
      v->type = JSON_STRING;
      err = scan_string(c);
      break;
    case '{':
      v->type = JSON_OBJECT;
      c->p++;
      err = scan_container(c, '}', depth);
      break;
    case '[':
      v->type = JSON_ARRAY;
      c->p++;
      err = scan_container(c, ']', depth);
      break;
    case 't':
      v->type = JSON_TRUE;
      err = scan_literal(c, "true");
      break;
    case 'f':
      v->type = JSON_FALSE;
      err = scan_literal(c, "false");
      break;
    case 'n':
      v->type = JSON_NULL;
      err = scan_literal(c, "null");
      break;
    default:
      v->type = JSON_NUMBER;
      err = scan_number(c);
  }
  v->len = (size_t)(c->p - v->start);
  return err;
}

/* Compares a raw JSON string (with quotes) to `key`, decoding escapes. */
static int key_equals(JsonValue raw, const char *key) {
  Bytes k = json_string(raw);
  if (!k.data) return 0;
  size_t n = strlen(key);
  if (k.len != n) return 0;
  for (size_t i = 0; i < n; i++) {
    if (k.data[i] != key[i]) return 0;
  }
  return 1;
}

int json_get(const char *text, size_t len, const char *key, JsonValue *out) {
  Cursor c = {text, text + len};
  out->type = JSON_MISSING;
  out->start = 0;
  out->len = 0;
  skip_ws(&c);
  if (c.p >= c.end || *c.p != '{') return -1;
  c.p++;
  skip_ws(&c);
  if (c.p < c.end && *c.p == '}') {
    c.p++;
  } else {
    for (;;) {
      JsonValue name, value;
      skip_ws(&c);
      name.start = c.p;
      if (scan_string(&c)) return -1;
      name.type = JSON_STRING;
      name.len = (size_t)(c.p - name.start);
      skip_ws(&c);
      if (c.p >= c.end || *c.p++ != ':') return -1;
      if (scan_value(&c, &value, 1)) return -1;
      /* The last duplicate wins, as in JavaScript's JSON.parse. */
      if (key_equals(name, key)) *out = value;
      skip_ws(&c);
      if (c.p >= c.end) return -1;
      char ch = *c.p++;
      if (ch == '}') break;
      if (ch != ',') return -1;
    }
  }
  skip_ws(&c);
  return c.p == c.end ? 0 : -1;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

static uint32_t hex4(const char *p) {
  return (uint32_t)((hex_value(p[0]) << 12) | (hex_value(p[1]) << 8) | (hex_value(p[2]) << 4) |
                    hex_value(p[3]));
}

Bytes json_string(JsonValue v) {
  Bytes out = {0, 0};
  if (v.type != JSON_STRING || v.len < 2) return out;
  /* Decoded text is never longer than the escaped text. */
  char *buf = pdk_alloc(v.len);
  if (!buf) return out;
  const char *p = v.start + 1;
  const char *end = v.start + v.len - 1;
  size_t n = 0;
  while (p < end) {
    char ch = *p++;
    if (ch != '\\') {
      buf[n++] = ch;
      continue;
    }
    char e = *p++;
    switch (e) {
      case 'b': buf[n++] = '\b'; break;
      case 'f': buf[n++] = '\f'; break;
      case 'n': buf[n++] = '\n'; break;
      case 'r': buf[n++] = '\r'; break;
      case 't': buf[n++] = '\t'; break;
      case 'u': {
        uint32_t cp = hex4(p);
        p += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
          uint32_t lo = hex4(p + 2);
          if (lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
          }
        }
        /* A lone surrogate becomes U+FFFD, as TextEncoder does. */
        if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
        n += put_utf8(buf + n, cp);
        break;
      }
      default: buf[n++] = e; /* " \ / */
    }
  }
  buf[n] = 0;
  out.data = buf;
  out.len = n;
  return out;
}

int json_int(JsonValue v, int64_t *out) {
  if (v.type != JSON_NUMBER) return -1;
  const char *p = v.start;
  const char *end = v.start + v.len;
  int negative = 0;
  if (p < end && *p == '-') {
    negative = 1;
    p++;
  }
  int64_t n = 0;
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    n = n * 10 + (*p - '0');
    if (n > (1LL << 53)) return -1;
  }
  if (p != end) return -1; /* a fraction or an exponent: not an integer */
  *out = negative ? -n : n;
  return 0;
}

void buf_init(Buf *b, size_t cap) {
  b->data = pdk_alloc(cap);
  b->len = 0;
  b->cap = b->data ? cap : 0;
  b->failed = b->data == 0;
}

void buf_bytes(Buf *b, const void *data, size_t len) {
  if (b->failed) return;
  if (b->len + len > b->cap) {
    size_t cap = b->cap * 2 > b->len + len ? b->cap * 2 : b->len + len;
    char *grown = pdk_alloc(cap);
    if (!grown) {
      b->failed = 1;
      return;
    }
    memcpy(grown, b->data, b->len);
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
}

void buf_str(Buf *b, const char *s) { buf_bytes(b, s, strlen(s)); }

void buf_uint(Buf *b, uint64_t n) {
  char digits[20];
  int i = 20;
  do {
    digits[--i] = (char)('0' + n % 10);
    n /= 10;
  } while (n);
  buf_bytes(b, digits + i, (size_t)(20 - i));
}

void buf_json_string(Buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  buf_bytes(b, "\"", 1);
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"') buf_bytes(b, "\\\"", 2);
    else if (ch == '\\') buf_bytes(b, "\\\\", 2);
    else if (ch == '\n') buf_bytes(b, "\\n", 2);
    else if (ch == '\r') buf_bytes(b, "\\r", 2);
    else if (ch == '\t') buf_bytes(b, "\\t", 2);
    else if (ch < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
      buf_bytes(b, esc, 6);
    } else {
      buf_bytes(b, &s[i], 1);
    }
  }
  buf_bytes(b, "\"", 1);
}
