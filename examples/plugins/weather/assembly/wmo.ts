// Words for numbers: WMO weather interpretation codes (as Open-Meteo documents them) and
// compass points for wind directions.

/** A short English description of WMO weather code `code`, e.g. 61 → "Slight rain". */
export function describeWeather(code: i32): string {
  switch (code) {
    case 0: return "Clear sky";
    case 1: return "Mainly clear";
    case 2: return "Partly cloudy";
    case 3: return "Overcast";
    case 45: return "Fog";
    case 48: return "Depositing rime fog";
    case 51: return "Light drizzle";
    case 53: return "Moderate drizzle";
    case 55: return "Dense drizzle";
    case 56: return "Light freezing drizzle";
    case 57: return "Dense freezing drizzle";
    case 61: return "Slight rain";
    case 63: return "Moderate rain";
    case 65: return "Heavy rain";
    case 66: return "Light freezing rain";
    case 67: return "Heavy freezing rain";
    case 71: return "Slight snowfall";
    case 73: return "Moderate snowfall";
    case 75: return "Heavy snowfall";
    case 77: return "Snow grains";
    case 80: return "Slight rain showers";
    case 81: return "Moderate rain showers";
    case 82: return "Violent rain showers";
    case 85: return "Slight snow showers";
    case 86: return "Heavy snow showers";
    case 95: return "Thunderstorm";
    case 96: return "Thunderstorm with slight hail";
    case 99: return "Thunderstorm with heavy hail";
  }
  return "Unknown (WMO code " + code.toString() + ")";
}

const POINTS: string[] = [
  "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
  "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
];

/** The 16-point compass direction of `degrees` (where the wind comes from), e.g. 245 → "WSW". */
export function compassPoint(degrees: f64): string {
  let d = degrees % 360.0;
  if (d < 0) d += 360.0;
  return POINTS[(<i32>Math.floor(d / 22.5 + 0.5)) % 16];
}
