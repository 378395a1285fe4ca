// The plugin's actions: each one is an exported function named like the action in rungpt.yaml.
// It reads its JSON arguments with inputJson(), and ends with outputJson(...) / output(...) on
// success or fail("message") on error. See sdk/rungpt/README.md for every SDK function.
import { configString, fail, inputJson, JsonValue, lastError, outputJson } from "../sdk/rungpt";

/** greet {name} → {greeting} */
export function greet(): i32 {
  const args = inputJson();
  if (args == null) return fail(lastError());
  const name = args.getString("name").trim();
  if (name.length == 0) return fail("name must not be empty");
  const word = configString("greeting", "Hello");
  return outputJson(JsonValue.object().setString("greeting", word + ", " + name + "!"));
}
