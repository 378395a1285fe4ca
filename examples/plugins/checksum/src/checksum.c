/*
 * The checksum plugin's actions. Each export reads its JSON arguments from the call's input,
 * writes its result as the call's output, and fails with error_set on bad input.
 *
 *   digest  {text, algorithm?}  -> {"algorithm", "bytes", "hex"}, or every algorithm for "all"
 *   hexdump {text, max_bytes?}  -> an offset / hex / ASCII listing of the text's UTF-8 bytes
 *
 * `digest` without `algorithm` reads the `default_algorithm` setting through rungpt:config,
 * and every action logs one line through rungpt:log.
 */
#include "extism-pdk.h"
#include "hash.h"
#include "json.h"

#define HEXDUMP_DEFAULT 256
#define HEXDUMP_MAX 4096

static const char HEX[] = "0123456789abcdef";

static void buf_hex(Buf *b, const uint8_t *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    char pair[2] = {HEX[bytes[i] >> 4], HEX[bytes[i] & 15]};
    buf_bytes(b, pair, 2);
  }
}

static void buf_hex32(Buf *b, uint32_t v) {
  uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  buf_hex(b, be, 4);
}

static int streq(const char *a, const char *b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

/* Writes one line through rungpt:log; logging is best effort, so failures are ignored. */
static void log_info(const char *message, size_t len) {
  Buf req;
  buf_init(&req, 64 + len);
  buf_str(&req, "{\"level\":\"info\",\"message\":");
  buf_json_string(&req, message, len);
  buf_str(&req, "}");
  if (!req.failed) pdk_host_call(rungpt_log_write, req.data, req.len);
}

/* The `default_algorithm` setting, through rungpt:config; data is 0 with `error` set. */
static Bytes default_algorithm(const char **error) {
  static const char request[] = "{\"key\":\"default_algorithm\"}";
  Bytes none = {0, 0};
  Bytes envelope = pdk_host_call(rungpt_config_get, request, sizeof request - 1);
  JsonValue ok, err;
  if (!envelope.data || json_get(envelope.data, envelope.len, "ok", &ok) ||
      json_get(envelope.data, envelope.len, "error", &err)) {
    *error = "digest: rungpt:config returned malformed JSON";
    return none;
  }
  if (err.type == JSON_STRING) {
    Bytes message = json_string(err);
    *error = message.data ? message.data : "digest: rungpt:config failed";
    return none;
  }
  Bytes value = json_string(ok);
  if (!value.data) *error = "digest: the default_algorithm setting is not a string";
  return value;
}

/* Reads the required string argument `text`. */
static int text_argument(const char *action, Bytes input, Bytes *text, const char **error) {
  JsonValue v;
  if (!input.data) {
    *error = "the arguments do not fit in the plugin's memory";
    return -1;
  }
  if (json_get(input.data, input.len, "text", &v)) {
    *error = streq(action, "digest") ? "digest: the arguments must be a JSON object"
                                     : "hexdump: the arguments must be a JSON object";
    return -1;
  }
  if (v.type != JSON_STRING) {
    *error = streq(action, "digest") ? "digest: \"text\" must be a string"
                                     : "hexdump: \"text\" must be a string";
    return -1;
  }
  *text = json_string(v);
  if (!text->data) {
    *error = "the text does not fit in the plugin's memory";
    return -1;
  }
  return 0;
}

EXPORT("digest") int digest(void) {
  pdk_begin();
  Bytes input = pdk_input();
  Bytes text;
  const char *error = 0;
  if (text_argument("digest", input, &text, &error)) return pdk_error(error);

  JsonValue alg_value;
  json_get(input.data, input.len, "algorithm", &alg_value);
  Bytes algorithm;
  if (alg_value.type == JSON_MISSING || alg_value.type == JSON_NULL) {
    algorithm = default_algorithm(&error);
    if (!algorithm.data) return pdk_error(error);
  } else if (alg_value.type == JSON_STRING) {
    algorithm = json_string(alg_value);
    if (!algorithm.data) return pdk_error("digest: bad \"algorithm\"");
  } else {
    return pdk_error("digest: \"algorithm\" must be a string");
  }

  const uint8_t *bytes = (const uint8_t *)text.data;
  int all = streq(algorithm.data, "all");
  Buf out;
  buf_init(&out, 256);
  if (all) {
    uint8_t sum[32];
    sha256(bytes, text.len, sum);
    buf_str(&out, "{\"bytes\":");
    buf_uint(&out, text.len);
    buf_str(&out, ",\"crc32\":\"");
    buf_hex32(&out, crc32(bytes, text.len));
    buf_str(&out, "\",\"fnv1a32\":\"");
    buf_hex32(&out, fnv1a32(bytes, text.len));
    buf_str(&out, "\",\"sha256\":\"");
    buf_hex(&out, sum, 32);
    buf_str(&out, "\"}");
  } else {
    buf_str(&out, "{\"algorithm\":");
    buf_json_string(&out, algorithm.data, algorithm.len);
    buf_str(&out, ",\"bytes\":");
    buf_uint(&out, text.len);
    buf_str(&out, ",\"hex\":\"");
    if (streq(algorithm.data, "crc32")) {
      buf_hex32(&out, crc32(bytes, text.len));
    } else if (streq(algorithm.data, "fnv1a32")) {
      buf_hex32(&out, fnv1a32(bytes, text.len));
    } else if (streq(algorithm.data, "sha256")) {
      uint8_t sum[32];
      sha256(bytes, text.len, sum);
      buf_hex(&out, sum, 32);
    } else {
      return pdk_error("digest: \"algorithm\" must be one of crc32, fnv1a32, sha256, all");
    }
    buf_str(&out, "\"}");
  }
  if (out.failed) return pdk_error("digest: out of memory");

  Buf line;
  buf_init(&line, 64);
  buf_str(&line, "digest ");
  buf_str(&line, algorithm.data);
  buf_str(&line, " of ");
  buf_uint(&line, text.len);
  buf_str(&line, " bytes");
  if (!line.failed) log_info(line.data, line.len);

  pdk_output(out.data, out.len);
  return 0;
}

EXPORT("hexdump") int hexdump(void) {
  pdk_begin();
  Bytes input = pdk_input();
  Bytes text;
  const char *error = 0;
  if (text_argument("hexdump", input, &text, &error)) return pdk_error(error);

  int64_t max = HEXDUMP_DEFAULT;
  JsonValue max_value;
  json_get(input.data, input.len, "max_bytes", &max_value);
  if (max_value.type != JSON_MISSING && max_value.type != JSON_NULL) {
    if (json_int(max_value, &max) || max < 1 || max > HEXDUMP_MAX) {
      return pdk_error("hexdump: \"max_bytes\" must be an integer from 1 to 4096");
    }
  }
  size_t shown = text.len < (size_t)max ? text.len : (size_t)max;
  const uint8_t *bytes = (const uint8_t *)text.data;

  /* As `hexdump -C`: 8 hex digits of offset, 16 bytes in hex, printable ASCII between bars. */
  Buf out;
  buf_init(&out, (shown / 16 + 2) * 80);
  for (size_t row = 0; row < shown; row += 16) {
    uint8_t offset[4] = {(uint8_t)(row >> 24), (uint8_t)(row >> 16), (uint8_t)(row >> 8),
                         (uint8_t)row};
    buf_hex(&out, offset, 4);
    for (size_t i = row; i < row + 16; i++) {
      buf_str(&out, i % 8 == 0 ? "  " : " ");
      if (i < shown) buf_hex(&out, bytes + i, 1);
      else buf_str(&out, "  ");
    }
    buf_str(&out, "  |");
    for (size_t i = row; i < row + 16 && i < shown; i++) {
      char ch = bytes[i] >= 0x20 && bytes[i] < 0x7f ? (char)bytes[i] : '.';
      buf_bytes(&out, &ch, 1);
    }
    buf_str(&out, "|\n");
  }
  buf_uint(&out, text.len);
  buf_str(&out, " bytes");
  if (shown < text.len) {
    buf_str(&out, ", first ");
    buf_uint(&out, shown);
    buf_str(&out, " shown");
  }
  buf_str(&out, "\n");
  if (out.failed) return pdk_error("hexdump: out of memory");

  Buf line;
  buf_init(&line, 64);
  buf_str(&line, "hexdump of ");
  buf_uint(&line, text.len);
  buf_str(&line, " bytes");
  if (!line.failed) log_info(line.data, line.len);

  pdk_output(out.data, out.len);
  return 0;
}
