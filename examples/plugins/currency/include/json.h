/*
 * Just enough JSON for a plugin: find a member of an object, decode a string or an integer,
 * and write JSON text into a growing buffer. Strict: malformed input is reported, not guessed.
 */
#ifndef CHECKSUM_JSON_H
#define CHECKSUM_JSON_H

#include "extism-pdk.h"

typedef enum {
  JSON_MISSING = 0,
  JSON_STRING,
  JSON_NUMBER,
  JSON_OBJECT,
  JSON_ARRAY,
  JSON_TRUE,
  JSON_FALSE,
  JSON_NULL
} JsonType;

/* A value's type and its raw text (for strings: including the quotes). */
typedef struct {
  JsonType type;
  const char *start;
  size_t len;
} JsonValue;

/* Finds `key` in the JSON object `text`. Returns 0 on success (out.type is JSON_MISSING when
 * the key is absent), -1 when `text` is not one well-formed JSON object. */
int json_get(const char *text, size_t len, const char *key, JsonValue *out);

/* Decodes a JSON_STRING value into UTF-8 (NUL-terminated); data is 0 on a bad escape. */
Bytes json_string(JsonValue v);

/* Reads a JSON_NUMBER that is an integer within [-2^53, 2^53]; returns -1 if it is not. */
int json_int(JsonValue v, int64_t *out);

/* A growing output buffer in the arena; `failed` is set when memory ran out. */
typedef struct {
  char *data;
  size_t len;
  size_t cap;
  int failed;
} Buf;

void buf_init(Buf *b, size_t cap);
void buf_bytes(Buf *b, const void *data, size_t len);
void buf_str(Buf *b, const char *s);
void buf_uint(Buf *b, uint64_t n);
/* Appends `s` as a JSON string literal, quotes included. */
void buf_json_string(Buf *b, const char *s, size_t len);

#endif
