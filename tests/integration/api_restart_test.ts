// Interrupted turns survive the server going away: a clean shutdown and a crash (SIGKILL of
// a real `rungpt` process) both leave the partial answer, marked "stopped", in the database,
// with the action calls it was running ended rather than left running or waiting.
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { ActionCall } from "../../lib/tools/call.ts";
import type { ActionMeta } from "../../lib/chat/action_types.ts";
import { INTERRUPTED_ERROR } from "../../lib/chat/recovery.ts";
import type { Conversation, Message } from "../../lib/store/types.ts";
import { installPlugins, TEXT_ARGS } from "../support/action_fixtures.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";
import { spawnRungpt } from "../support/rungpt_process.ts";

/** The message row as it is in the database file. */
function dbMessage(dataDir: string, id: string) {
  const db = new DatabaseSync(join(dataDir, "rungpt.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT content, status FROM messages WHERE id = ?").get(id);
    return row ? { content: String(row.content), status: String(row.status) } : undefined;
  } finally {
    db.close();
  }
}

/** The action calls recorded on a message, as they are in the database file. */
function dbCalls(dataDir: string, id: string): ActionCall[] {
  const db = new DatabaseSync(join(dataDir, "rungpt.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT meta FROM messages WHERE id = ?").get(id);
    return row?.meta ? (JSON.parse(String(row.meta)) as ActionMeta).actions ?? [] : [];
  } finally {
    db.close();
  }
}

/** Polls until `check` returns a value (a guard against hanging, not a timing assertion). */
async function waitFor<T>(what: string, check: () => T | undefined): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function messagesOf(rg: TestRungpt, id: string): Promise<Message[]> {
  const res = await rg.api(`/api/conversations/${id}`);
  assert.equal(res.status, 200);
  return (await res.json()).messages;
}

Deno.test("restart: a clean shutdown mid-stream keeps the partial answer as stopped", async () => {
  await using model = await startScriptedModel({
    replies: [{ chunks: ["Half ", "an answer"], hang: true }],
  });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-restart-" });
  try {
    let conversationId: string;
    let messageId: string;
    {
      await using rg = await startRungpt({ model, dataDir });
      const conv: Conversation = await (await rg.api("/api/conversations", {
        method: "POST",
        json: {},
      })).json();
      conversationId = conv.id;
      const sent = await rg.api(`/api/conversations/${conv.id}/messages`, {
        method: "POST",
        json: { content: "Go on" },
      });
      assert.equal(sent.status, 202);
      messageId = (await sent.json()).assistantMessage.id;
      await waitFor("the partial answer in memory", () => {
        const live = rg.server.services.turns.snapshot(conv.id)?.content;
        return live === "Half an answer" ? live : undefined;
      });
      // Leaving the block closes the server while the reply is still streaming.
    }
    assert.deepEqual(dbMessage(dataDir, messageId), {
      content: "Half an answer",
      status: "stopped",
    });
    await model.waitForAborts(1);
    await using again = await startRungpt({ model, dataDir });
    const messages = await messagesOf(again, conversationId);
    assert.equal(messages[1].status, "stopped");
    assert.equal(messages[1].content, "Half an answer");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("restart: after a crash mid-stream the reply is recovered as stopped", async () => {
  // A slow reply (100 chunks over about 4 s): the crash comes once the database has seen it
  // grow three times, so what is lost is at most the last moment, not the whole reply.
  const chunks = Array.from({ length: 100 }, (_, i) => `piece${i} `);
  const full = chunks.join("");
  await using model = await startScriptedModel({
    replies: [{ chunks, delayMs: 40, hang: true }],
  });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-crash-" });
  const rungpt = await spawnRungpt({ RUNGPT_DATA_DIR: dataDir, OPENAI_BASE_URL: model.url });
  try {
    const conv = await (await rungpt.post("/api/conversations", {})).json();
    const sent = await rungpt.post(`/api/conversations/${conv.id}/messages`, { content: "Hi" });
    assert.equal(sent.status, 202);
    const messageId = (await sent.json()).assistantMessage.id;
    const lengths = new Set<number>();
    await waitFor("the reply stored at three lengths while streaming", () => {
      const row = dbMessage(dataDir, messageId);
      assert.equal(row?.status, "streaming");
      if (row.content) lengths.add(row.content.length);
      return lengths.size >= 3 ? true : undefined;
    });

    await rungpt.kill();
    const atCrash = dbMessage(dataDir, messageId)!;
    assert.equal(atCrash.status, "streaming");
    assert.ok(full.startsWith(atCrash.content) && atCrash.content.length < full.length);

    await using rg = await startRungpt({ model, dataDir });
    const messages = await messagesOf(rg, conv.id);
    assert.deepEqual(messages.map((m) => [m.role, m.content, m.status]), [
      ["user", "Hi", "complete"],
      ["assistant", atCrash.content, "stopped"],
    ]);
    // Nothing claims to be running after the restart.
    const events = await (await rg.api(`/api/conversations/${conv.id}/events`)).text();
    assert.match(events, /event: idle/);
  } finally {
    await rungpt.kill();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("restart: a crash during actions ends their cards; none waits for approval after", async () => {
  // One call waits for approval, the other runs (and would spin for 20 s) when the process dies.
  await using model = await startScriptedModel({
    replies: [{
      text: 'Both. <action name="probe.guarded">{"text":"x"}</action>' +
        '<action name="looper.spin">{}</action>',
    }],
  });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-crash-" });
  const pluginsDir = join(dataDir, "plugins_store");
  await installPlugins({ pluginsDir, dataDir }, [
    {
      name: "probe",
      wasm: "echo",
      actions: [{ name: "guarded", export: "upper", parameters: TEXT_ARGS, confirm: true }],
    },
    { name: "looper", wasm: "loop", actions: [{ name: "spin" }] },
  ]);
  const rungpt = await spawnRungpt({
    RUNGPT_DATA_DIR: dataDir,
    RUNGPT_PLUGINS_DIR: pluginsDir,
    OPENAI_BASE_URL: model.url,
    RUNGPT_ACTION_MODE: "tags",
    RUNGPT_ACTION_TIMEOUT_MS: "20000",
  });
  try {
    const conv = await (await rungpt.post("/api/conversations", {})).json();
    const sent = await rungpt.post(`/api/conversations/${conv.id}/messages`, { content: "Go" });
    assert.equal(sent.status, 202);
    const messageId = (await sent.json()).assistantMessage.id;
    await waitFor("both calls under way in the database", () => {
      const statuses = dbCalls(dataDir, messageId).map((c) => c.status);
      return statuses.join() === "awaiting_approval,running" ? statuses : undefined;
    });

    await rungpt.kill();

    await using rg = await startRungpt({ model, dataDir });
    const [, reply] = await messagesOf(rg, conv.id);
    assert.equal(reply.status, "stopped");
    const calls = (reply.meta as ActionMeta).actions!;
    assert.deepEqual(calls.map((c) => [c.name, c.status, c.error]), [
      ["probe.guarded", "cancelled", INTERRUPTED_ERROR],
      ["looper.spin", "cancelled", INTERRUPTED_ERROR],
    ]);
    const approve = await rg.api(`/api/conversations/${conv.id}/approvals/${calls[0].id}`, {
      method: "POST",
      json: { decision: "once" },
    });
    assert.equal(approve.status, 409, "nothing waits for an answer");
  } finally {
    await rungpt.kill();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("restart: deleting a conversation mid-stream stops the turn first", async () => {
  await using model = await startScriptedModel({
    replies: [{ chunks: ["Going"], hang: true }],
  });
  await using rg = await startRungpt({ model });
  const conv: Conversation = await (await rg.api("/api/conversations", {
    method: "POST",
    json: {},
  })).json();
  const sent = await rg.api(`/api/conversations/${conv.id}/messages`, {
    method: "POST",
    json: { content: "Start" },
  });
  assert.equal(sent.status, 202);
  await sent.body?.cancel();
  // Mid-stream: the upstream has the request before the conversation is deleted.
  while (model.chatRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
  const del = await rg.api(`/api/conversations/${conv.id}`, { method: "DELETE" });
  assert.equal(del.status, 204);
  await model.waitForAborts(1);
  assert.equal(rg.server.services.turns.isRunning(conv.id), false);
  assert.equal((await rg.api(`/api/conversations/${conv.id}`)).status, 404);
  const list = await (await rg.api("/api/conversations")).json();
  assert.deepEqual(list.conversations, []);
});
