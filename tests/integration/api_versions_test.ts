// Reply versions through real HTTP: regenerate and edit keep the old version, /versions
// switches, the conversation goes on from the version shown, and the scripted model is sent
// only that branch.
import assert from "node:assert/strict";
import type { Message } from "../../lib/store/types.ts";
import { conversation, newConversation, send, settle, turn } from "../support/action_fixtures.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

const shown = async (rg: TestRungpt, id: string) =>
  (await conversation(rg, id)).messages.map((m) => m.content);

async function post(rg: TestRungpt, path: string, json: unknown) {
  return await rg.api(path, { method: "POST", json });
}

async function showVersion(rg: TestRungpt, id: string, messageId: string): Promise<Message[]> {
  const res = await post(rg, `/api/conversations/${id}/versions`, { messageId });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).messages;
}

Deno.test("versions: regenerate keeps the old reply; switching back continues from it", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "Paris." }, { text: "It is Paris." }, { text: "About 2 million." }],
  });
  await using rg = await startRungpt({ model });
  const { id } = await newConversation(rg);
  const first = await turn(rg, id, "Capital of France?");

  const res = await post(rg, `/api/conversations/${id}/regenerate`, {});
  assert.equal(res.status, 202);
  const second = (await res.json()).assistantMessage as Message;
  assert.deepEqual(second.versions, [first.id, second.id]);
  await settle(rg, id);
  assert.deepEqual(await shown(rg, id), ["Capital of France?", "It is Paris."]);

  // Back to the first version: the answer shown is the old one, with both versions listed.
  const tail = await showVersion(rg, id, first.id);
  assert.deepEqual(tail.map((m) => [m.id, m.content, m.versions]), [
    [first.id, "Paris.", [first.id, second.id]],
  ]);
  assert.deepEqual(await shown(rg, id), ["Capital of France?", "Paris."]);

  // The next question follows the version shown, and the model is sent that branch only.
  await turn(rg, id, "Population?");
  assert.deepEqual(model.chatRequests()[2].body.messages, [
    { role: "user", content: "Capital of France?" },
    { role: "assistant", content: "Paris." },
    { role: "user", content: "Population?" },
  ]);
  assert.deepEqual(await shown(rg, id), [
    "Capital of France?",
    "Paris.",
    "Population?",
    "About 2 million.",
  ]);
  // And the other version is still there, without the follow-up.
  const other = await showVersion(rg, id, second.id);
  assert.deepEqual(other.map((m) => m.content), ["It is Paris."]);
  assert.deepEqual(await shown(rg, id), ["Capital of France?", "It is Paris."]);
});

Deno.test("versions: editing an earlier question makes a version; what followed stays reachable", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "A1" }, { text: "A2" }, { text: "A1 for the edit" }],
  });
  await using rg = await startRungpt({ model });
  const { id } = await newConversation(rg);
  const { userMessage: q1 } = await send(rg, id, "Q1");
  await settle(rg, id);
  await turn(rg, id, "Q2");

  const res = await post(rg, `/api/conversations/${id}/edit`, {
    content: "Q1, edited",
    messageId: q1.id,
  });
  assert.equal(res.status, 202, await res.clone().text());
  const { userMessage } = await res.json() as { userMessage: Message };
  assert.deepEqual(userMessage.versions, [q1.id, userMessage.id]);
  await settle(rg, id);
  assert.deepEqual(model.chatRequests()[2].body.messages, [{
    role: "user",
    content: "Q1, edited",
  }]);
  assert.deepEqual(await shown(rg, id), ["Q1, edited", "A1 for the edit"]);

  const tail = await showVersion(rg, id, q1.id);
  assert.deepEqual(tail.map((m) => m.content), ["Q1", "A1", "Q2", "A2"]);
  assert.deepEqual(await shown(rg, id), ["Q1", "A1", "Q2", "A2"]);
});

Deno.test("versions: bad requests are clear errors and change nothing", async () => {
  const gate = Promise.withResolvers<void>();
  let calls = 0;
  await using model = await startScriptedModel({
    responder: async () => {
      if (++calls === 3) await gate.promise; // the regenerate below
      return { text: `reply ${calls}` };
    },
  });
  await using rg = await startRungpt({ model });
  const { id } = await newConversation(rg);
  const a = await turn(rg, id, "Q");
  const other = await newConversation(rg);
  const elsewhere = await turn(rg, other.id, "Elsewhere");

  const foreign = await post(rg, `/api/conversations/${id}/versions`, { messageId: elsewhere.id });
  assert.equal(foreign.status, 404);
  assert.match((await foreign.json()).error, /No message with id/);
  const bad = await post(rg, `/api/conversations/${id}/versions`, { id: a.id });
  assert.equal(bad.status, 400);
  const notMine = await post(rg, `/api/conversations/${id}/edit`, {
    content: "x",
    messageId: a.id,
  });
  assert.equal(notMine.status, 404, "an assistant message is not a question to edit");
  assert.deepEqual(await shown(rg, id), ["Q", "reply 1"], "nothing changed");

  // While a reply runs the branch cannot move under it.
  const regen = await post(rg, `/api/conversations/${id}/regenerate`, {});
  assert.equal(regen.status, 202);
  const busy = await post(rg, `/api/conversations/${id}/versions`, { messageId: a.id });
  assert.equal(busy.status, 409);
  assert.match((await busy.json()).error, /being generated/);
  gate.resolve();
  await settle(rg, id);
  assert.deepEqual(await shown(rg, id), ["Q", "reply 3"]);
  assert.equal((await conversation(rg, id)).messages.at(-1)?.versions?.length, 2);
});

Deno.test("versions: the JSON export has the branch shown and every other version", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "one" }, { text: "two" }] });
  await using rg = await startRungpt({ model });
  const { id } = await newConversation(rg);
  const first = await turn(rg, id, "Q");
  await post(rg, `/api/conversations/${id}/regenerate`, {});
  await settle(rg, id);

  const json = await (await rg.api(`/api/conversations/${id}/export?format=json`)).json();
  assert.deepEqual(json.messages.map((m: Message) => m.content), ["Q", "two"]);
  assert.deepEqual(
    json.otherVersions.map((m: Message) => [m.id, m.content, m.parentId]),
    [[first.id, "one", json.messages[0].id]],
  );
  const md = await (await rg.api(`/api/conversations/${id}/export?format=md`)).text();
  assert.match(md, /\*\*Assistant[^*]*\*\* _\(version 2 of 2\)_\n\ntwo/);
  assert.doesNotMatch(md, /\bone\b/);
});
