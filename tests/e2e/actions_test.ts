/**
 * Browser tests of plugin actions in the chat: the model calls a real plugin (tags and native
 * tool calls) and its card shows running, then done with the result; the card survives a
 * reload; the approval dialog (deny, allow once, always allow, revoke in Settings); Stop while
 * an action runs; the "Actions" details panel with the system message's token count.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import type { Locator, Page } from "../support/playwright.ts";
import { installPlugin } from "../../lib/plugins/install.ts";
import {
  hasResults,
  installPlugins,
  lastContent,
  messagesOf,
  putSettings,
  resultBlocks,
  TEXT_ARGS,
} from "../support/action_fixtures.ts";
import { createGitFixtures } from "../support/git_fixtures.ts";
import type { TestRungpt } from "../support/rungpt_server.ts";
import type { RecordedRequest, Reply } from "../support/scripted_model.ts";
import { buildFixture } from "../support/wasm_fixtures.ts";
import { sendMessage, settled, startE2E, waitForStatus } from "./_helpers.ts";

/** What the gated web server answers once the test opens the gate. */
const GATE_REPLY = "gate-opened-4711";

/**
 * A 127.0.0.1 server that holds every request until `open()`: an action fetching from it
 * stays "running" for exactly as long as the test wants, with no timing involved.
 */
function startGate() {
  const gate = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    await gate.promise;
    return new Response(GATE_REPLY);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    open: () => gate.resolve(),
    async close() {
      gate.resolve();
      await server.shutdown();
    },
  };
}

/** The confirm-first plugin's manifest: its access is what the approval dialog must show. */
const GUARD_MANIFEST = {
  name: "guard",
  version: "1.0.0",
  description: "Upper-cases text, carefully.",
  wasm: "plugin.wasm",
  apis: ["rungpt:fs", "rungpt:net"],
  permissions: {
    net: { hosts: ["api.guard.test"] },
    fs: [{ path: "notes", access: "read-write" }],
  },
  actions: [
    { name: "upper", description: "Upper-cases.", parameters: TEXT_ARGS, confirm: true },
  ],
};

/** Installs `guard` (the `echo` module) through the real installer from a local git repo. */
async function installGuard(rg: TestRungpt): Promise<void> {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("test", "guard");
  await repo.commit(
    { "rungpt.yaml": stringify(GUARD_MANIFEST), "plugin.wasm": await buildFixture("echo") },
    { tags: ["v1.0.0"] },
  );
  await installPlugin({
    spec: "test/guard",
    pluginsDir: rg.pluginsDir,
    dataDir: rg.dataDir,
    confirm: () => Promise.resolve(true),
    gitBase: git.base,
  });
}

/** The text of the user's prompt this request answers (results messages skipped). */
function promptOf(req: RecordedRequest): string {
  const users = messagesOf(req).filter((m) =>
    m.role === "user" && typeof m.content === "string" && !m.content.includes("<action_result")
  );
  return users.at(-1)?.content ?? "";
}

/** The `tool` results at the end of a native-mode request. */
function toolResults(req: RecordedRequest): string[] {
  const out: string[] = [];
  for (const m of messagesOf(req).toReversed()) {
    if (m.role !== "tool") break;
    out.unshift(m.content);
  }
  return out;
}

/**
 * The model: the prompt picks the action it calls; once it has the results, its answer
 * quotes them (or says the action was denied), so the answer reflects what the plugin did.
 */
function responder(gateUrl: () => string) {
  return (req: RecordedRequest): Reply => {
    const tools = toolResults(req);
    if (tools.length) return { text: `The tool answered ${tools.join(", ")}.` };
    if (hasResults(req)) {
      const lines = resultBlocks(lastContent(req)).map((b) =>
        b.error && /denied/.test(b.body)
          ? `You denied ${b.name}, so I did not run it.`
          : `Plugin result: ${b.body}`
      );
      return { text: lines.join("\n\n") };
    }
    const prompt = promptOf(req);
    const tag = (name: string, args: unknown) =>
      `<action name="${name}">${JSON.stringify(args)}</action>`;
    if (prompt === "fetch") {
      return { text: `Let me fetch it. ${tag("web.get", { url: gateUrl() })}`, chunkSize: 7 };
    }
    if (prompt === "native") {
      return {
        content: ["Shouting. "],
        toolCalls: [{ name: "probe__upper", arguments: ['{"text":', '"native hi"}'] }],
      };
    }
    if (prompt.startsWith("guard ")) {
      return { text: tag("guard.upper", { text: prompt.slice(6) }) };
    }
    if (prompt === "spin") return { text: `Spinning. ${tag("looper.spin", {})}` };
    return { status: 500, message: `no reply scripted for "${prompt}"` };
  };
}

/** An action's card in `scope`. */
function card(scope: Page | Locator, name: string): Locator {
  return scope.getByRole("group", { name: `Action ${name}`, exact: true });
}

/** Waits until the card has `status` and checks the visible status word. */
async function cardStatus(c: Locator, status: string, word = status): Promise<void> {
  await c.and(c.page().locator(`[data-status="${status}"]`)).waitFor();
  assert.equal(await c.locator(".action-status").innerText(), word);
}

/** The text of the card's "Result" block. */
function resultOf(c: Locator): Promise<string> {
  return c.locator(".action-output").filter({ hasText: "Result" }).locator("pre").innerText();
}

/** Starts a fresh chat (the page keeps its context). */
async function newChat(page: Page): Promise<void> {
  await page.getByRole("button", { name: "New chat" }).click();
  await page.waitForURL((u) => u.pathname === "/");
}

Deno.test("actions in the chat: cards, native mode, approvals, Stop, details panel", async (t) => {
  const gate = startGate();
  const e2e = await startE2E({
    model: { responder: responder(() => gate.url) },
    // Long enough that only Stop ends the spinning action.
    rungpt: { env: { RUNGPT_ACTION_TIMEOUT_MS: "120000" } },
  });
  const { rg, model } = e2e;
  const { page, foreignRequests } = await e2e.newPage();
  try {
    await installPlugins(rg, [
      {
        name: "web",
        wasm: "fetcher",
        apis: ["rungpt:net"],
        hosts: ["127.0.0.1"],
        allowPrivateNetwork: true,
        actions: [{
          name: "get",
          export: "request",
          description: "Fetches a URL.",
          parameters: {
            type: "object",
            properties: { url: { type: "string" } },
            required: ["url"],
          },
        }],
      },
      {
        name: "probe",
        wasm: "echo",
        actions: [{ name: "upper", description: "Upper-cases.", parameters: TEXT_ARGS }],
      },
      { name: "looper", wasm: "loop", actions: [{ name: "spin", description: "Never returns." }] },
    ]);
    await installGuard(rg);
    await putSettings(rg, { actionMode: "tags" });

    await t.step(
      "tags: the card runs, then shows the plugin's result; reload restores it",
      async () => {
        await page.goto(rg.origin + "/");
        const reply = await sendMessage(page, "fetch");
        const web = card(reply, "web.get");
        await cardStatus(web, "running");
        assert.equal(await web.locator(".action-duration").count(), 0, "no duration while running");
        assert.equal(model.chatRequests().length, 1, "the model waits for the result");

        gate.open();
        await cardStatus(web, "done");
        await settled(reply);
        await waitForStatus(page, "Reply complete.");
        const result = await resultOf(web);
        assert.match(result, new RegExp(GATE_REPLY));
        assert.match(await web.locator(".action-duration").innerText(), /^\d+(\.\d)? (ms|s)$/);
        // The arguments the model wrote are on the card (collapsed until opened).
        await web.getByText("Arguments").click();
        assert.match(await web.locator(".action-args pre").innerText(), /"url": "http:\/\/127/);

        // The answer quotes the result, and comes after the card; the text before comes first.
        const answer = reply.getByText(/^Plugin result: /);
        assert.match(await answer.innerText(), new RegExp(GATE_REPLY));
        const order = await reply.evaluate((el) => {
          const c = el.querySelector("details.action-card")!;
          const paragraphs = [...el.querySelectorAll("p")];
          const before = paragraphs.find((p) => p.textContent!.trim() === "Let me fetch it.")!;
          const after = paragraphs.find((p) => p.textContent!.startsWith("Plugin result:"))!;
          return [
            !!(before.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING),
            !!(c.compareDocumentPosition(after) & Node.DOCUMENT_POSITION_FOLLOWING),
          ];
        });
        assert.deepEqual(order, [true, true]);
        // The model's second request carried the plugin's real output.
        const [block] = resultBlocks(lastContent(model.chatRequests()[1]));
        assert.equal(block.name, "web.get");
        assert.match(block.body, new RegExp(GATE_REPLY));

        await page.reload();
        const restored = card(page.locator("article.msg-assistant").last(), "web.get");
        await cardStatus(restored, "done");
        assert.equal(await resultOf(restored), result);
        assert.match(await restored.locator(".action-duration").innerText(), /^\d+(\.\d)? (ms|s)$/);
        await page.getByText(/^Plugin result: /).waitFor();
      },
    );

    await t.step("native tool calls: the card shows done with the result", async () => {
      await putSettings(rg, { actionMode: "native" });
      await newChat(page);
      const reply = await sendMessage(page, "native");
      const probe = card(reply, "probe.upper");
      await cardStatus(probe, "done");
      await settled(reply);
      assert.match(await resultOf(probe), /"TEXT": "NATIVE HI"/);
      await reply.getByText('The tool answered {"TEXT":"NATIVE HI"}.').waitFor();
      const request = model.chatRequests().at(-1)!;
      assert.ok(Array.isArray(request.body.tools), "actions were offered as tools");
      await putSettings(rg, { actionMode: "tags" });
    });

    await t.step(
      "approval: the dialog shows the action, its arguments and access; Deny",
      async () => {
        await newChat(page);
        const reply = await sendMessage(page, "guard deny me");
        const dialog = page.getByRole("dialog", { name: "Allow action guard.upper?" });
        await dialog.waitFor();
        const guard = card(reply, "guard.upper");
        await cardStatus(guard, "awaiting_approval", "waiting for approval");
        const text = await dialog.innerText();
        assert.match(text, /The model wants to run guard\.upper with these arguments:/);
        assert.match(text, /"text": "deny me"/);
        assert.match(text, /APIs\s+rungpt:fs\s+rungpt:net/);
        assert.match(text, /Hosts\s+api\.guard\.test/);
        assert.match(text, /Paths\s+notes \(read and write\)/);
        // Focus starts on Deny, so a stray Enter allows nothing.
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Deny");
        const before = model.chatRequests().length;

        await dialog.getByRole("button", { name: "Deny" }).click();
        await cardStatus(guard, "denied");
        await settled(reply);
        assert.equal(await dialog.count(), 0);
        await reply.getByText("You denied guard.upper, so I did not run it.").waitFor();
        assert.equal(model.chatRequests().length, before + 1);
      },
    );

    await t.step("approval: Allow once runs the action", async () => {
      await newChat(page);
      // A short window: the dialog scrolls, yet opens at its title with its buttons in view.
      await page.setViewportSize({ width: 1280, height: 330 });
      const reply = await sendMessage(page, "guard once");
      const dialog = page.getByRole("dialog", { name: "Allow action guard.upper?" });
      await dialog.waitFor();
      assert(await dialog.evaluate((d) => d.scrollHeight > d.clientHeight), "the dialog scrolls");
      const box = (await dialog.boundingBox())!;
      for (
        const el of [
          dialog.getByRole("heading", { name: "Allow action guard.upper?" }),
          dialog.getByRole("button", { name: "Deny" }),
          dialog.getByRole("button", { name: "Allow once" }),
        ]
      ) {
        const b = (await el.boundingBox())!;
        assert(b.y >= box.y && b.y + b.height <= box.y + box.height, `${el} is in view`);
        const [x, y] = [b.x + b.width / 2, b.y + b.height / 2];
        assert(
          await el.evaluate((e, [x, y]) => e.contains(document.elementFromPoint(x, y)), [x, y]),
          `${el} is not covered`,
        );
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await dialog.getByRole("button", { name: "Allow once" }).click();
      const guard = card(reply, "guard.upper");
      await cardStatus(guard, "done");
      await settled(reply);
      assert.match(await resultOf(guard), /"TEXT": "ONCE"/);
      await reply.getByText('Plugin result: {"TEXT":"ONCE"}').waitFor();
      assert.equal(await dialog.count(), 0);
    });

    await t.step("approval: Always allow runs it, lists it in Settings, asks no more", async () => {
      await newChat(page);
      const reply = await sendMessage(page, "guard always");
      const dialog = page.getByRole("dialog", { name: "Allow action guard.upper?" });
      await dialog.getByRole("button", { name: "Always allow" }).click();
      await cardStatus(card(reply, "guard.upper"), "done");
      await settled(reply);

      await page.goto(rg.origin + "/settings");
      const actions = page.getByRole("group", { name: "Actions" });
      const allowed = actions.getByRole("list", { name: "Always allowed" });
      assert.equal(await allowed.getByRole("listitem").innerText(), "guard.upper\nRevoke");

      // The next call runs without a dialog ever opening.
      await page.goto(rg.origin + "/");
      await page.evaluate(() => {
        const w = window as unknown as { sawDialog: boolean };
        w.sawDialog = false;
        new MutationObserver(() => {
          if (document.querySelector("dialog")) w.sawDialog = true;
        }).observe(document.body, { childList: true, subtree: true });
      });
      const next = await sendMessage(page, "guard again");
      await cardStatus(card(next, "guard.upper"), "done");
      await settled(next);
      await next.getByText('Plugin result: {"TEXT":"AGAIN"}').waitFor();
      assert.equal(
        await page.evaluate(() => (window as unknown as { sawDialog: boolean }).sawDialog),
        false,
      );
    });

    await t.step("Revoke in Settings removes it; the action asks again", async () => {
      await page.goto(rg.origin + "/settings");
      await page.getByRole("button", { name: "Revoke guard.upper" }).click();
      await page.getByRole("status").filter({ hasText: "guard.upper will ask again." }).waitFor();
      assert.equal(await page.getByRole("list", { name: "Always allowed" }).count(), 0);
      const saved = await (await rg.api("/api/settings")).json();
      assert.deepEqual(saved.actions.alwaysAllowed, []);
      await page.reload();
      await page.getByText('None. "Always allow" in an approval dialog adds an action here.')
        .waitFor();

      await page.goto(rg.origin + "/");
      const reply = await sendMessage(page, "guard revoked");
      const dialog = page.getByRole("dialog", { name: "Allow action guard.upper?" });
      await dialog.getByRole("button", { name: "Deny" }).click();
      await cardStatus(card(reply, "guard.upper"), "denied");
      await settled(reply);
    });

    await t.step("Stop while an action runs cancels it and stops the reply", async () => {
      await newChat(page);
      const reply = await sendMessage(page, "spin");
      const spin = card(reply, "looper.spin");
      await cardStatus(spin, "running");
      const before = model.chatRequests().length;
      await page.getByRole("button", { name: "Stop" }).click();
      await cardStatus(spin, "cancelled");
      await settled(reply, "stopped");
      await waitForStatus(page, "Stopped.");
      await reply.getByText("Stopped", { exact: true }).waitFor();
      assert.equal(model.chatRequests().length, before, "no round after Stop");
      await page.reload();
      await cardStatus(
        card(page.locator("article.msg-assistant").last(), "looper.spin"),
        "cancelled",
      );
    });

    await t.step(
      "the Actions panel lists the actions and what the next turn sends, with its tokens",
      async () => {
        await page.getByRole("button", { name: "Actions", exact: true }).click();
        const panel = page.getByRole("region", { name: "Actions" });
        await panel.waitFor();
        const list = panel.getByRole("list", { name: "Enabled actions" });
        await list.waitFor();
        const items = await list.getByRole("listitem").allInnerTexts();
        const ids = items.map((i) => i.split(/\s/)[0]).toSorted();
        assert.deepEqual(ids, ["guard.upper", "looper.spin", "probe.upper", "web.get"]);
        assert.match(items.find((i) => i.startsWith("guard.upper"))!, /asks first/);
        const summary = panel.getByText(/^System message \(\d[\d,]* tokens\)$/);
        const tokens = Number((await summary.innerText()).replace(/\D/g, ""));
        assert.ok(tokens > 0, `the system message has ${tokens} tokens`);
        await summary.click();
        const system = await panel.locator(".system-message pre").innerText();
        for (const id of ["web.get", "probe.upper", "guard.upper", "looper.spin"]) {
          assert.ok(system.includes(id), `the system message describes ${id}`);
        }
        await page.getByRole("button", { name: "Close actions panel" }).click();
        assert.equal(await panel.count(), 0);

        // In auto mode the next turn sends the native note and the tools: so does the panel.
        await putSettings(rg, { actionMode: "auto" });
        await page.getByRole("button", { name: "Actions", exact: true }).click();
        await panel.getByText(
          "The next reply of gpt-4o gets them as tool calls (tags if its server rejects tools).",
          { exact: false },
        ).waitFor();
        const both = panel.getByText(/^System message and tools \(\d[\d,]* tokens\)$/);
        assert.ok(Number((await both.innerText()).replace(/\D/g, "")) > 0);
        await both.click();
        const tools = await panel.getByLabel("Tools").innerText();
        assert.match(tools, /"name": "probe__upper"/);
        await page.getByRole("button", { name: "Close actions panel" }).click();
      },
    );

    await t.step("nothing left the rungpt origin", () => {
      assert.deepEqual(foreignRequests(), []);
    });
  } finally {
    await e2e.close();
    await gate.close();
  }
});
