/*
 * The currency plugin's one action, in freestanding C:
 *
 *   convert {amount, from, to} -> {"amount", "from", "to", "rate", "result", "date"}
 *
 * It asks the exchange-rate service named by the `rates_url` setting (default: the Frankfurter
 * API, European Central Bank reference rates) for `?from=XXX&to=YYY` through rungpt:net, which
 * lets it reach only the hosts rungpt.yaml lists and the user granted, and multiplies. Numbers
 * are parsed and printed here (no libc): amounts to 6 decimals, the result to 2.
 */
#include "extism-pdk.h"
#include "json.h"

/* The largest amount accepted (rungpt.yaml says the same, so rungpt refuses more first). */
#define MAX_AMOUNT 1e12
/* Above this, a value scaled to its decimals no longer fits in 64 bits. */
#define MAX_PRINTABLE 1e17

static int streq(const char *a, const char *b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

/* A JSON number (`-?digits(.digits)?([eE][+-]?digits)?`) as a double; -1 if it is not one. */
static int parse_number(const char *s, size_t len, double *out) {
  size_t i = 0;
  int negative = 0, digits = 0, exponent = 0;
  double value = 0;
  if (i < len && s[i] == '-') negative = 1, i++;
  for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) value = value * 10 + (s[i] - '0');
  if (i < len && s[i] == '.') {
    for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
      value = value * 10 + (s[i] - '0');
      exponent--;
    }
  }
  if (!digits) return -1;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    int sign = 1, e = 0, edigits = 0;
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
    for (; i < len && s[i] >= '0' && s[i] <= '9' && e < 400; i++, edigits++) e = e * 10 + (s[i] - '0');
    if (!edigits) return -1;
    exponent += sign * e;
  }
  if (i != len) return -1;
  for (; exponent > 0; exponent--) value *= 10;
  for (; exponent < 0; exponent++) value /= 10;
  *out = negative ? -value : value;
  return 0;
}

/* Appends `v` (0 <= v < MAX_PRINTABLE) rounded to `decimals`, without trailing zeros. */
static void buf_decimal(Buf *b, double v, int decimals) {
  uint64_t scale = 1;
  for (int i = 0; i < decimals; i++) scale *= 10;
  uint64_t scaled = (uint64_t)(v * (double)scale + 0.5);
  buf_uint(b, scaled / scale);
  uint64_t frac = scaled % scale;
  if (!frac) return;
  char digits[20];
  int n = decimals;
  for (int i = n - 1; i >= 0; i--, frac /= 10) digits[i] = (char)('0' + frac % 10);
  while (n > 0 && digits[n - 1] == '0') n--;
  buf_str(b, ".");
  buf_bytes(b, digits, (size_t)n);
}

/* A currency code argument: three capital letters, copied into `code` (NUL-terminated). */
static int currency_argument(Bytes input, const char *key, char code[4], const char **error) {
  JsonValue v;
  if (json_get(input.data, input.len, key, &v) || v.type != JSON_STRING) {
    *error = streq(key, "from") ? "convert: \"from\" must be a currency code such as \"EUR\""
                                : "convert: \"to\" must be a currency code such as \"USD\"";
    return -1;
  }
  Bytes s = json_string(v);
  int ok = s.data && s.len == 3;
  for (size_t i = 0; ok && i < 3; i++) ok = s.data[i] >= 'A' && s.data[i] <= 'Z';
  if (!ok) {
    *error = "convert: a currency code is three capital letters, such as \"EUR\" or \"USD\"";
    return -1;
  }
  memcpy(code, s.data, 4);
  return 0;
}

/* The `ok` member of a rungpt host API's envelope; on `{"error"}`, its message in `error`. */
static int envelope_ok(Bytes envelope, const char *api, JsonValue *ok, const char **error) {
  JsonValue err;
  if (!envelope.data || json_get(envelope.data, envelope.len, "ok", ok) ||
      json_get(envelope.data, envelope.len, "error", &err)) {
    *error = streq(api, "net") ? "convert: rungpt:net returned malformed JSON"
                               : "convert: rungpt:config returned malformed JSON";
    return -1;
  }
  if (err.type == JSON_STRING) {
    Bytes message = json_string(err);
    *error = message.data ? message.data : "convert: a host API failed";
    return -1;
  }
  return 0;
}

/* The `rates_url` setting (rungpt.yaml gives its default). */
static Bytes rates_url(const char **error) {
  static const char request[] = "{\"key\":\"rates_url\"}";
  Bytes none = {0, 0};
  JsonValue ok;
  if (envelope_ok(pdk_host_call(rungpt_config_get, request, sizeof request - 1), "config", &ok, error)) {
    return none;
  }
  Bytes url = json_string(ok);
  if (!url.data) *error = "convert: the rates_url setting is not a string";
  return url;
}

/* Asks the rates service for from->to; sets `rate` and `date` (the rates' day, as given). */
static int fetch_rate(const char *from, const char *to, double *rate, Bytes *date, const char **error) {
  Bytes base = rates_url(error);
  if (!base.data) return -1;
  Buf req;
  buf_init(&req, base.len + 64);
  buf_str(&req, "{\"url\":");
  Buf url;
  buf_init(&url, base.len + 32);
  buf_bytes(&url, base.data, base.len);
  buf_str(&url, "?from=");
  buf_str(&url, from);
  buf_str(&url, "&to=");
  buf_str(&url, to);
  buf_json_string(&req, url.data, url.len);
  buf_str(&req, ",\"headers\":{\"accept\":\"application/json\"}}");
  if (req.failed || url.failed) {
    *error = "convert: out of memory";
    return -1;
  }
  JsonValue ok, status, body;
  if (envelope_ok(pdk_host_call(rungpt_net_request, req.data, req.len), "net", &ok, error)) return -1;
  int64_t code = 0;
  if (json_get(ok.start, ok.len, "status", &status) || json_int(status, &code) ||
      json_get(ok.start, ok.len, "body", &body) || body.type != JSON_STRING) {
    *error = "convert: rungpt:net returned an unexpected response";
    return -1;
  }
  if (code != 200) {
    *error = code == 404 || code == 422
      ? "convert: the rates service does not know one of these currencies"
      : "convert: the rates service did not answer 200 OK; try again later";
    return -1;
  }
  Bytes text = json_string(body);
  JsonValue rates, value, day;
  if (!text.data || json_get(text.data, text.len, "rates", &rates) || rates.type != JSON_OBJECT ||
      json_get(rates.start, rates.len, to, &value) ||
      json_get(text.data, text.len, "date", &day)) {
    *error = "convert: the rates service's answer is not the JSON expected";
    return -1;
  }
  if (value.type != JSON_NUMBER || parse_number(value.start, value.len, rate) || *rate <= 0) {
    *error = "convert: the rates service gave no rate for this currency";
    return -1;
  }
  Bytes none = {0, 0};
  *date = day.type == JSON_STRING ? json_string(day) : none;
  return 0;
}

/* Writes one line through rungpt:log; logging is best effort, so failures are ignored. */
static void log_rate(const char *from, const char *to, double rate) {
  Buf line, req;
  buf_init(&line, 64);
  buf_str(&line, from);
  buf_str(&line, " -> ");
  buf_str(&line, to);
  buf_str(&line, " at ");
  buf_decimal(&line, rate, 6);
  buf_init(&req, 128);
  buf_str(&req, "{\"level\":\"info\",\"message\":");
  buf_json_string(&req, line.data, line.len);
  buf_str(&req, "}");
  if (!line.failed && !req.failed) pdk_host_call(rungpt_log_write, req.data, req.len);
}

EXPORT("convert") int convert(void) {
  pdk_begin();
  Bytes input = pdk_input();
  const char *error = 0;
  JsonValue v;
  double amount = 0;
  if (!input.data) return pdk_error("convert: the arguments do not fit in the plugin's memory");
  if (json_get(input.data, input.len, "amount", &v)) {
    return pdk_error("convert: the arguments must be a JSON object");
  }
  if (v.type != JSON_NUMBER || parse_number(v.start, v.len, &amount) || amount < 0 ||
      amount > MAX_AMOUNT) {
    return pdk_error("convert: \"amount\" must be a number from 0 to 1000000000000");
  }
  char from[4], to[4];
  if (currency_argument(input, "from", from, &error) || currency_argument(input, "to", to, &error)) {
    return pdk_error(error);
  }
  double rate = 1;
  Bytes date = {0, 0};
  if (!streq(from, to) && fetch_rate(from, to, &rate, &date, &error)) return pdk_error(error);
  double result = amount * rate;
  if (rate >= MAX_PRINTABLE / 1e6 || result >= MAX_PRINTABLE / 100) {
    return pdk_error("convert: the result is too large to show");
  }
  log_rate(from, to, rate);
  Buf out;
  buf_init(&out, 160);
  buf_str(&out, "{\"amount\":");
  buf_decimal(&out, amount, 6);
  buf_str(&out, ",\"from\":\"");
  buf_str(&out, from);
  buf_str(&out, "\",\"to\":\"");
  buf_str(&out, to);
  buf_str(&out, "\",\"rate\":");
  buf_decimal(&out, rate, 6);
  buf_str(&out, ",\"result\":");
  buf_decimal(&out, result, 2);
  buf_str(&out, ",\"date\":");
  if (date.data) buf_json_string(&out, date.data, date.len);
  else buf_str(&out, "null");
  buf_str(&out, "}");
  if (out.failed) return pdk_error("convert: out of memory");
  pdk_output(out.data, out.len);
  return 0;
}
