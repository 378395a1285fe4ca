// Open-Meteo's geocoding and forecast APIs through rungpt:net. Functions that can fail return
// null and set lastError() to a message meant for the user and the model.
import {
  configString,
  httpGet,
  JsonValue,
  lastError,
  logDebug,
  setLastError,
} from "../sdk/rungpt";
import { encodeQueryValue, withQuery } from "./url";
import { compassPoint, describeWeather } from "./wmo";

/** Open-Meteo's endpoints (the defaults of the geocoding_url and forecast_url settings). */
export const GEOCODING_URL = "https://geocoding-api.open-meteo.com/v1/search";
export const FORECAST_URL = "https://api.open-meteo.com/v1/forecast";

/** The weather variables `current` asks for, in Open-Meteo's names. */
export const CURRENT_VARIABLES = "temperature_2m,relative_humidity_2m,apparent_temperature," +
  "weather_code,wind_speed_10m,wind_direction_10m";
/** The daily variables `forecast` asks for. */
export const DAILY_VARIABLES = "weather_code,temperature_2m_max,temperature_2m_min," +
  "precipitation_sum,precipitation_probability_max";

/** The settings of one call: the config, with the call's own `units` over it. */
export class Settings {
  units: string = "metric";
  language: string = "en";
  geocodingUrl: string = "";
  forecastUrl: string = "";
}

function isLowerLetters(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

function isHttpUrl(s: string): bool {
  return s.startsWith("https://") || s.startsWith("http://");
}

/** Reads and checks the settings; `unitsArg` (a call's `units`, "" if none) wins over config. */
export function readSettings(unitsArg: string): Settings | null {
  const s = new Settings();
  s.units = unitsArg.length ? unitsArg : configString("units", "metric");
  if (s.units != "metric" && s.units != "imperial") {
    setLastError("units must be \"metric\" or \"imperial\", not \"" + s.units + "\"");
    return null;
  }
  s.language = configString("language", "en").trim().toLowerCase();
  if (s.language.length != 2 || !isLowerLetters(s.language)) {
    setLastError(
      "the language setting must be a two-letter code such as en, de or fr, not \"" +
        s.language + "\"",
    );
    return null;
  }
  s.geocodingUrl = configString("geocoding_url", GEOCODING_URL);
  s.forecastUrl = configString("forecast_url", FORECAST_URL);
  if (!isHttpUrl(s.geocodingUrl)) {
    setLastError(
      "the geocoding_url setting must be an http(s) URL, not \"" + s.geocodingUrl + "\"",
    );
    return null;
  }
  if (!isHttpUrl(s.forecastUrl)) {
    setLastError("the forecast_url setting must be an http(s) URL, not \"" + s.forecastUrl + "\"");
    return null;
  }
  return s;
}

/** Open-Meteo's unit parameters for a units setting (every unit is named, defaults included). */
export function unitParams(units: string): string {
  return units == "imperial"
    ? "&temperature_unit=fahrenheit&wind_speed_unit=mph&precipitation_unit=inch"
    : "&temperature_unit=celsius&wind_speed_unit=kmh&precipitation_unit=mm";
}

/** A number as JSON writes it (no trailing ".0"), for URLs. */
function num(n: f64): string {
  return JsonValue.number(n).toString();
}

function malformed(what: string): void {
  setLastError("Open-Meteo sent a malformed response: " + what);
}

/**
 * GETs `url` and returns its JSON object. Errors: the service failing (5xx, no answer), refusing
 * the request (4xx with Open-Meteo's `reason`), the host refusing the URL, or a body that is not
 * a JSON object.
 */
export function getJson(url: string): JsonValue | null {
  logDebug("GET " + url);
  const res = httpGet(url);
  if (res == null) {
    const why = lastError();
    // The host's own refusals (host not allowed, private address) are not the service's fault.
    const refused = why.includes("is not allowed") || why.includes("private address") ||
      why.includes("redirects");
    if (refused) {
      setLastError("the request was refused: " + why);
    } else if (why.includes("timed out")) {
      setLastError("Open-Meteo is not answering (timed out); try again later");
    } else {
      setLastError("Open-Meteo is not answering (" + why + "); try again later");
    }
    return null;
  }
  if (res.status >= 500) {
    setLastError("Open-Meteo is not answering (" + res.status.toString() + "); try again later");
    return null;
  }
  const body = res.json();
  if (res.status >= 400) {
    const reason = body != null ? body.getString("reason") : "";
    setLastError(
      "Open-Meteo refused the request (" + res.status.toString() + ")" +
        (reason.length ? ": " + reason : ""),
    );
    return null;
  }
  if (res.status != 200) {
    setLastError("Open-Meteo answered with an unexpected status (" + res.status.toString() + ")");
    return null;
  }
  if (body == null) {
    malformed(lastError());
    return null;
  }
  if (!body.isObject()) {
    malformed("not a JSON object");
    return null;
  }
  return body;
}

/** A place found by the geocoding API. */
export class Place {
  name: string = "";
  admin1: string = "";
  country: string = "";
  latitude: f64 = 0;
  longitude: f64 = 0;
  timezone: string = "";

  /** "Name, Region, Country", leaving out empty parts and a region equal to the name. */
  label(): string {
    let s = this.name;
    if (this.admin1.length && this.admin1 != this.name) s += ", " + this.admin1;
    if (this.country.length) s += ", " + this.country;
    return s;
  }
}

/** Looks `name` up with the geocoding API (best match only). */
export function geocode(s: Settings, name: string): Place | null {
  const url = withQuery(
    s.geocodingUrl,
    "name=" + encodeQueryValue(name) + "&count=1&language=" + s.language + "&format=json",
  );
  const body = getJson(url);
  if (body == null) return null;
  const results = body.get("results");
  if (results == null || (results.isArray() && results.length == 0)) {
    setLastError("No place called '" + name + "' was found");
    return null;
  }
  const first = results.at(0);
  if (first == null || !first.isObject()) {
    malformed("\"results\" is not a list of places");
    return null;
  }
  const lat = first.get("latitude");
  const lon = first.get("longitude");
  if (lat == null || !lat.isNumber() || lon == null || !lon.isNumber()) {
    malformed("the place has no latitude and longitude");
    return null;
  }
  const p = new Place();
  p.name = first.getString("name", name);
  p.admin1 = first.getString("admin1");
  p.country = first.getString("country");
  p.timezone = first.getString("timezone");
  p.latitude = lat.asNumber();
  p.longitude = lon.asNumber();
  return p;
}

function forecastUrl(s: Settings, p: Place, query: string): string {
  return withQuery(
    s.forecastUrl,
    "latitude=" + num(p.latitude) + "&longitude=" + num(p.longitude) + "&" + query +
      "&timezone=auto" + unitParams(s.units),
  );
}

/** The unit Open-Meteo reports for `key` in `units` (an object), else `fallback`. */
function unitOf(units: JsonValue | null, key: string, fallback: string): string {
  return units != null ? units.getString(key, fallback) : fallback;
}

/** The requested units' symbols, for when a response leaves out its `*_units`. */
function tempUnit(s: Settings): string { return s.units == "imperial" ? "°F" : "°C"; }
function speedUnit(s: Settings): string { return s.units == "imperial" ? "mp/h" : "km/h"; }
function precipUnit(s: Settings): string { return s.units == "imperial" ? "inch" : "mm"; }

/** The common head of both outputs: where, and in which time zone. */
function placeJson(p: Place, body: JsonValue): JsonValue {
  return JsonValue.object()
    .setString("place", p.label())
    .setNumber("latitude", p.latitude)
    .setNumber("longitude", p.longitude)
    .setString("timezone", body.getString("timezone", p.timezone));
}

/** Number member `key` of `obj`, or null (and a malformed-response error) when absent. */
function needNumber(obj: JsonValue, where: string, key: string): JsonValue | null {
  const v = obj.get(key);
  if (v == null || !v.isNumber()) {
    malformed("\"" + where + "." + key + "\" is missing");
    return null;
  }
  return v;
}

/**
 * Current conditions at `p`: `{place, latitude, longitude, timezone, time, weather, temperature,
 * feels_like, humidity, wind_speed, wind_from, units}`.
 */
export function currentWeather(s: Settings, p: Place): JsonValue | null {
  const body = getJson(forecastUrl(s, p, "current=" + CURRENT_VARIABLES));
  if (body == null) return null;
  const cur = body.get("current");
  if (cur == null || !cur.isObject()) {
    malformed("\"current\" is missing");
    return null;
  }
  const units = body.get("current_units");
  const temp = needNumber(cur, "current", "temperature_2m");
  if (temp == null) return null;
  const feels = needNumber(cur, "current", "apparent_temperature");
  if (feels == null) return null;
  const humidity = needNumber(cur, "current", "relative_humidity_2m");
  if (humidity == null) return null;
  const code = needNumber(cur, "current", "weather_code");
  if (code == null) return null;
  const wind = needNumber(cur, "current", "wind_speed_10m");
  if (wind == null) return null;
  const out = placeJson(p, body)
    .setString("time", cur.getString("time"))
    .setString("weather", describeWeather(<i32>code.asNumber()))
    .set("temperature", temp)
    .set("feels_like", feels)
    .set("humidity", humidity)
    .set("wind_speed", wind);
  const dir = cur.get("wind_direction_10m");
  if (dir != null && dir.isNumber()) out.setString("wind_from", compassPoint(dir.asNumber()));
  return out.set(
    "units",
    JsonValue.object()
      .setString("temperature", unitOf(units, "temperature_2m", tempUnit(s)))
      .setString("humidity", unitOf(units, "relative_humidity_2m", "%"))
      .setString("wind_speed", unitOf(units, "wind_speed_10m", speedUnit(s))),
  );
}

/** Array member `key` of `daily` with at least `n` items, or null (malformed) otherwise. */
function dailySeries(daily: JsonValue, key: string, n: i32): JsonValue[] | null {
  const v = daily.get(key);
  if (v == null || !v.isArray()) {
    malformed("\"daily." + key + "\" is missing");
    return null;
  }
  if (v.length < n) {
    malformed("\"daily." + key + "\" has fewer values than \"daily.time\"");
    return null;
  }
  return v.items();
}

/** A series value as output: a number, or JSON null when Open-Meteo has none. */
function valueOrNull(v: JsonValue): JsonValue {
  return v.isNumber() ? v : JsonValue.null();
}

/**
 * The daily forecast at `p` for `days` days: `{place, latitude, longitude, timezone, units,
 * days: [{date, weather, min, max, precipitation, precipitation_chance}]}`.
 */
export function dailyForecast(s: Settings, p: Place, days: i32): JsonValue | null {
  const body = getJson(
    forecastUrl(s, p, "daily=" + DAILY_VARIABLES + "&forecast_days=" + days.toString()),
  );
  if (body == null) return null;
  const daily = body.get("daily");
  if (daily == null || !daily.isObject()) {
    malformed("\"daily\" is missing");
    return null;
  }
  const time = daily.get("time");
  if (time == null || !time.isArray() || time.length == 0) {
    malformed("\"daily.time\" is missing");
    return null;
  }
  const n = min(time.length, days);
  const codes = dailySeries(daily, "weather_code", n);
  if (codes == null) return null;
  const maxs = dailySeries(daily, "temperature_2m_max", n);
  if (maxs == null) return null;
  const mins = dailySeries(daily, "temperature_2m_min", n);
  if (mins == null) return null;
  const precip = dailySeries(daily, "precipitation_sum", n);
  if (precip == null) return null;
  // The chance of precipitation is not known for every place and day: optional.
  const chanceSeries = daily.get("precipitation_probability_max");
  const chance = chanceSeries != null && chanceSeries.isArray() ? chanceSeries.items() : [];

  const list = JsonValue.array();
  const dates = time.items();
  for (let i = 0; i < n; i++) {
    const day = JsonValue.object()
      .setString("date", dates[i].asString())
      .setString(
        "weather",
        codes[i].isNumber() ? describeWeather(<i32>codes[i].asNumber()) : "Unknown",
      )
      .set("min", valueOrNull(mins[i]))
      .set("max", valueOrNull(maxs[i]))
      .set("precipitation", valueOrNull(precip[i]));
    if (i < chance.length) day.set("precipitation_chance", valueOrNull(chance[i]));
    list.push(day);
  }
  const units = body.get("daily_units");
  return placeJson(p, body)
    .set(
      "units",
      JsonValue.object()
        .setString("temperature", unitOf(units, "temperature_2m_max", tempUnit(s)))
        .setString("precipitation", unitOf(units, "precipitation_sum", precipUnit(s)))
        .setString("precipitation_chance", unitOf(units, "precipitation_probability_max", "%")),
    )
    .set("days", list);
}
