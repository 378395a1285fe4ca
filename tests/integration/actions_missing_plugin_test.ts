// A call to a plugin that is not installed: the turn ends at once with one notice linking to
// Plugins, instead of sending error results round after round; the tag never shows as bare
// JSON, whatever the mode, with or without any plugin installed.
import assert from "node:assert/strict";
import {
  hasResults,
  metaOf,
  newConversation,
  startActionsEnv,
  TEXT_ARGS,
  toolResults,
  turn,
} from "../support/action_fixtures.ts";

const PROBE = {
  name: "probe",
  wasm: "echo",
  actions: [{ name: "echo", description: "Returns its arguments.", parameters: TEXT_ARGS }],
};

const WEATHER_TAG = '<action name="weather.forecast">{"city":"Paris"}</action>';
const NOTICE =
  '_No plugin named "weather" is installed, so its actions were not run. Install or turn it on in [Plugins](/plugins)._';

Deno.test("tags: calls to a plugin that is not installed end the turn with one notice, spending no rounds", async () => {
  // The model would call it again and again if it got error results back.
  await using env = await startActionsEnv(
    () => ({ text: `Checking. ${WEATHER_TAG} ${WEATHER_TAG}` }),
    [PROBE],
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Weather in Paris?");
  assert.equal(env.model.chatRequests().length, 1, "no round of results went back");
  assert.equal(message.status, "complete");
  assert.equal(message.content, `Checking.  \n\n${NOTICE}`);
  const calls = metaOf(message).actions!;
  assert.deepEqual(calls.map((c) => c.status), ["error", "error"]);
  assert.match(calls[0].error!, /^no plugin named "weather" is installed/);
  assert.match(calls[0].error!, /Available actions: probe\.echo\./);
});

Deno.test("tags: a round that also calls an installed plugin goes on, the missing one reported to the model", async () => {
  await using env = await startActionsEnv(
    (req) =>
      hasResults(req)
        ? { text: "Done." }
        : { text: `${WEATHER_TAG}<action name="probe.echo">{"text":"hi"}</action>` },
    [PROBE],
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Both");
  assert.equal(env.model.chatRequests().length, 2);
  assert.equal(message.content, "Done.");
  assert.deepEqual(metaOf(message).actions!.map((c) => c.status), ["error", "done"]);
});

Deno.test("with no plugin at all, a tag the model writes anyway is not shown as bare JSON", async () => {
  await using env = await startActionsEnv(() => ({ text: `Let me look. ${WEATHER_TAG}` }), [], {
    mode: "auto",
  });
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Weather?");
  assert.equal(env.model.chatRequests().length, 1);
  assert.equal(message.content, `Let me look. \n\n${NOTICE}`);
  assert.doesNotMatch(message.content, /city/);
});

Deno.test("native: a tool call of a plugin that is not installed ends the turn with the notice", async () => {
  await using env = await startActionsEnv(
    (req) =>
      toolResults(req).length ? { text: "Again" } : {
        toolCalls: [{ id: "call_w", name: "weather__forecast", arguments: '{"city":"Paris"}' }],
      },
    [PROBE],
    { mode: "native" },
  );
  const conv = await newConversation(env.rg);
  const message = await turn(env.rg, conv.id, "Weather?");
  assert.equal(env.model.chatRequests().length, 1);
  assert.equal(message.content, NOTICE);
  const [call] = metaOf(message).actions!;
  assert.equal(call.name, "weather.forecast");
  assert.match(call.error!, /^no plugin named "weather" is installed/);
});
