// weather: current weather and a daily forecast for a place name, from Open-Meteo's geocoding
// and forecast APIs through rungpt:net. Settings (rungpt:config): units, language, and the two
// endpoint URLs (whose hosts must still be in permissions.net.hosts).
import { fail, inputJson, JsonValue, lastError, outputJson, setLastError } from "../sdk/rungpt";
import { currentWeather, dailyForecast, geocode, Place, readSettings, Settings } from "./openmeteo";

/** Longest place name accepted (the manifest says the same). */
const MAX_PLACE_CHARS = 200;

/** The checked arguments and settings of one call. */
class Call {
  args: JsonValue = JsonValue.object();
  settings: Settings = new Settings();
  place: Place = new Place();
}

/** Reads the arguments (`place`, optional `units`), the settings, and geocodes the place. */
function start(): Call | null {
  const args = inputJson();
  if (args == null) return null;
  const place = args.get("place");
  if (place == null || !place.isString() || place.asString().trim().length == 0) {
    setLastError("\"place\" is required: the name of a city or place, e.g. \"Berlin\"");
    return null;
  }
  const name = place.asString().trim();
  if (name.length > MAX_PLACE_CHARS) {
    setLastError("\"place\" is too long (at most " + MAX_PLACE_CHARS.toString() + " characters)");
    return null;
  }
  const units = args.get("units");
  if (units != null && !units.isString()) {
    setLastError("\"units\" must be \"metric\" or \"imperial\"");
    return null;
  }
  const settings = readSettings(units != null ? units.asString() : "");
  if (settings == null) return null;
  const found = geocode(settings, name);
  if (found == null) return null;
  const c = new Call();
  c.args = args;
  c.settings = settings;
  c.place = found;
  return c;
}

/** current {place, units?} → the place and its current weather */
export function current(): i32 {
  const c = start();
  if (c == null) return fail(lastError());
  const out = currentWeather(c.settings, c.place);
  if (out == null) return fail(lastError());
  return outputJson(out);
}

/** forecast {place, days? (1-7, default 3), units?} → the place and one entry per day */
export function forecast(): i32 {
  const args = inputJson();
  if (args == null) return fail(lastError());
  let days: i32 = 3;
  const d = args.get("days");
  if (d != null) {
    const n = d.asNumber();
    if (!d.isNumber() || n != Math.floor(n) || n < 1 || n > 7) {
      return fail("\"days\" must be a whole number from 1 to 7");
    }
    days = <i32>n;
  }
  const c = start();
  if (c == null) return fail(lastError());
  const out = dailyForecast(c.settings, c.place, days);
  if (out == null) return fail(lastError());
  return outputJson(out);
}
