/**
 * examples/plugins/currency (C, built with clang) in chat, never the internet: a copy of the
 * example whose manifest also lists a local server of sample answers (its testdata/) is installed
 * from its folder; the model asks for a conversion as a native tool call and the result reaches
 * its next request. Its own plugin_test.ts (the action's answers and errors, in the sandbox) passes
 * in a copy of the repository; build-plugins --check covers the committed module.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { installPlugin } from "../../lib/plugins/install.ts";
import { copyTree, runOwnTests } from "../support/plugin_repo.ts";
import { startRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

const EXAMPLE = join(new URL("../../", import.meta.url).pathname, "examples/plugins/currency");
const REAL_HOSTS = "    hosts:\n      - api.frankfurter.app\n";

/** Serves the example's testdata/latest_<from>_<to>.json on 127.0.0.1. */
function serveSamples(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const q = new URL(req.url).searchParams;
    const name = `latest_${q.get("from")}_${q.get("to")}.json`.toLowerCase();
    if (!/^latest_[a-z]{3}_[a-z]{3}\.json$/.test(name)) return new Response("bad", { status: 400 });
    const body = await Deno.readTextFile(join(EXAMPLE, "testdata", name)).catch(() => null);
    return new Response(body ?? '{"message":"not found"}', { status: body ? 200 : 404 });
  });
}

Deno.test("currency (C): installed from a folder, called by the model as a tool", async () => {
  const manifest = await Deno.readTextFile(join(EXAMPLE, "rungpt.yaml"));
  assert.ok(manifest.includes(REAL_HOSTS), "rungpt.yaml lists only the Frankfurter API's host");
  const server = serveSamples();
  const host = `127.0.0.1:${server.addr.port}`;
  const work = await Deno.makeTempDir({ prefix: "rungpt-currency-" });
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model });
  try {
    const folder = join(work, "currency");
    await copyTree(EXAMPLE, folder);
    await Deno.writeTextFile(
      join(folder, "rungpt.yaml"),
      manifest.replace(REAL_HOSTS, `${REAL_HOSTS}      - "${host}"\n`),
    );
    const { entry } = await installPlugin({
      spec: folder,
      pluginsDir: rg.pluginsDir,
      dataDir: rg.dataDir,
      confirm: () => Promise.resolve(true),
      allowPrivateNetwork: true,
    });
    assert.deepEqual(entry.grants.net.hosts, ["api.frankfurter.app", host]);
    const put = async (path: string, json: unknown) => {
      const res = await rg.api(path, { method: "PUT", json });
      assert.equal(res.status, 200, await res.clone().text());
      await res.body?.cancel();
    };
    await put("/api/plugins/currency/config", { values: { rates_url: `http://${host}/latest` } });
    await put("/api/settings", { actionMode: "native" });

    model.enqueue(
      {
        toolCalls: [{
          name: "currency__convert",
          arguments: JSON.stringify({ amount: 250, from: "EUR", to: "USD" }),
          id: "call_fx",
        }],
      },
      { text: "250 euros are about 270.80 US dollars." },
    );
    const conv = await rg.api("/api/conversations", { method: "POST", json: {} });
    const { id } = await conv.json();
    const sent = await rg.api(`/api/conversations/${id}/messages`, {
      method: "POST",
      json: { content: "How much is 250 euros in dollars?" },
    });
    assert.equal(sent.status, 202, await sent.clone().text());
    await sent.body?.cancel();
    await (await rg.api(`/api/conversations/${id}/events`)).text();

    const requests = model.chatRequests();
    assert.equal(requests.length, 2);
    const tools = requests[0].body.tools.map((t: { function: { name: string } }) =>
      t.function.name
    );
    assert.deepEqual(tools, ["currency__convert"]);
    const result = requests[1].body.messages.at(-1);
    assert.equal(result.role, "tool");
    assert.deepEqual(JSON.parse(result.content), {
      amount: 250,
      from: "EUR",
      to: "USD",
      rate: 1.0832,
      result: 270.8,
      date: "2026-12-04",
    });
  } finally {
    await server.shutdown();
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("currency (C): its own plugin_test.ts passes", async () => {
  const work = await Deno.makeTempDir({ prefix: "rungpt-currency-" });
  try {
    const repo = await copyTree(EXAMPLE, join(work, "currency"));
    const report = await runOwnTests(repo, [
      "--allow-run",
      "--allow-env",
      "--allow-read",
      "--allow-net=127.0.0.1",
    ]);
    assert.match(report, /ok \| 6 passed/);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
