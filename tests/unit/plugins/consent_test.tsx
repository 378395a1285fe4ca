/**
 * Consent describes the file access a plugin really gets: `rungpt:fs` without `permissions.fs`
 * is the whole data dir, read-write; the CLI summary and the page say so, and an update that
 * widens access (e.g. drops `permissions.fs`) asks again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { renderToString } from "preact-render-to-string";
import { ConsentDialog } from "../../../components/plugins/ConsentDialog.tsx";
import { PermissionList } from "../../../components/plugins/PermissionList.tsx";
import { PluginCard } from "../../../components/plugins/PluginCard.tsx";
import { quotaFromFields } from "../../../components/plugins/PluginQuota.tsx";
import {
  type ConsentSummary,
  diffGrants,
  formatSummary,
  grantsFor,
  summarize,
} from "../../../lib/plugins/consent.ts";
import { DEFAULT_QUOTA } from "../../../lib/plugins/host/quota.ts";
import { ConsentRefusedError, installPlugin, updatePlugin } from "../../../lib/plugins/install.ts";
import { getPluginConfig, listInstalled, setPluginConfig } from "../../../lib/plugins/installed.ts";
import { runPluginCommand } from "../../../lib/plugins/cli.ts";
import { type Manifest, parseManifest } from "../../../lib/plugins/manifest.ts";
import { type PluginView, pluginView } from "../../../lib/plugins/views.ts";
import { createGitFixtures, manifestFields, pluginFiles } from "../../support/git_fixtures.ts";
import { stringify } from "yaml";

const manifest = (fields: Record<string, unknown>): Manifest =>
  parseManifest(stringify(manifestFields(fields)));
const WHOLE = { path: ".", access: "read-write" } as const;

Deno.test("grants: rungpt:fs without permissions.fs is the whole data dir, read-write", () => {
  assert.deepEqual(grantsFor(manifest({ apis: ["rungpt:fs"] })).fs, [WHOLE]);
  assert.deepEqual(
    grantsFor(manifest({
      apis: ["rungpt:fs"],
      permissions: { fs: [{ path: "notes", access: "read-write" }, { path: "docs" }] },
    })).fs,
    [{ path: "notes", access: "read-write" }, { path: "docs", access: "read" }],
  );
  // Declared paths without the API give nothing.
  assert.deepEqual(grantsFor(manifest({ permissions: { fs: [{ path: "docs" }] } })).fs, []);
});

Deno.test("grants: the diff sees file access widen, and not narrow", () => {
  const subpaths = grantsFor(manifest({
    apis: ["rungpt:fs"],
    permissions: { fs: [{ path: "notes", access: "read-write" }, { path: "docs" }] },
  }));
  const whole = grantsFor(manifest({ apis: ["rungpt:fs"] }));
  assert.deepEqual(diffGrants(subpaths, whole).fs, [WHOLE]);
  assert.deepEqual(diffGrants(whole, subpaths).fs, []);
  const writeDocs = grantsFor(manifest({
    apis: ["rungpt:fs"],
    permissions: { fs: [{ path: "docs", access: "read-write" }, { path: "notes/old" }] },
  }));
  assert.deepEqual(diffGrants(subpaths, writeDocs).fs, [{ path: "docs", access: "read-write" }]);
});

Deno.test("consent: the CLI summary and the permission list name the whole data dir", () => {
  const m = manifest({ apis: ["rungpt:fs"] });
  const origin = {
    source: "acme/hello",
    url: "https://github.com/acme/hello",
    ref: "v1.0.0",
    commit: "0".repeat(40),
  };
  const summary = summarize(m, origin, grantsFor(m));
  assert.match(formatSummary(summary), /\n {2}files: {4}whole data dir \(read-write\)\n/);
  const html = renderToString(
    <PermissionList apis={summary.apis} hosts={[]} fs={summary.fs} allowPrivateNetwork={false} />,
  );
  assert.match(html, /<dt>Files<\/dt><dd><ul><li>its whole data folder \(read and write\)/);
});

Deno.test("consent: an update that drops permissions.fs asks again; the page shows the access", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "hello");
  await repo.commit(
    pluginFiles({ apis: ["rungpt:fs"], permissions: { fs: [{ path: "notes" }] } }),
    { tags: ["v1.0.0"] },
  );
  const pluginsDir = join(git.root, "plugins");
  const asked: ConsentSummary[] = [];
  const common = {
    pluginsDir,
    dataDir: join(git.root, "data"),
    gitBase: git.base,
    confirm: (s: ConsentSummary) => (asked.push(s), Promise.resolve(true)),
  };
  await installPlugin({ ...common, spec: "acme/hello" });
  assert.deepEqual(asked[0].fs, [{ path: "notes", access: "read" }]);

  await repo.commit(pluginFiles({ version: "1.1.0", apis: ["rungpt:fs"] }), { tags: ["v1.1.0"] });
  await updatePlugin("hello", common);
  assert.equal(asked.length, 2, "the update asked");
  assert.equal(asked[1].update?.needsConsent, true);
  assert.deepEqual(asked[1].update?.added.fs, [WHOLE]);
  assert.match(formatSummary(asked[1]), /files: {4}whole data dir \(read-write\) \(new\)/);

  const [installed] = await listInstalled(pluginsDir);
  assert.deepEqual(pluginView(installed, {}, {}).fs, [WHOLE]);
  assert.deepEqual(pluginView(installed, {}, {}).quota, DEFAULT_QUOTA, "shown on its page");
});

Deno.test("consent: an update whose action no longer asks first asks again", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "mailer");
  const actions = (confirm: boolean) => [
    { name: "send", description: "Sends an email", confirm },
    { name: "draft", description: "Writes a draft" },
  ];
  await repo.commit(pluginFiles({ name: "mailer", actions: actions(true) }), { tags: ["v1.0.0"] });
  const pluginsDir = join(git.root, "plugins");
  const asked: ConsentSummary[] = [];
  const answering = (allow: boolean) => ({
    pluginsDir,
    dataDir: join(git.root, "data"),
    gitBase: git.base,
    confirm: (s: ConsentSummary) => (asked.push(s), Promise.resolve(allow)),
  });
  await installPlugin({ ...answering(true), spec: "acme/mailer" });

  // The same APIs and hosts, but "send" would now run without asking the user.
  await repo.commit(pluginFiles({ name: "mailer", version: "1.1.0", actions: actions(false) }), {
    tags: ["v1.1.0"],
  });
  await assert.rejects(updatePlugin("mailer", answering(false)), ConsentRefusedError);
  assert.equal(asked.length, 2, "the update asked");
  const update = asked[1].update!;
  assert.deepEqual(update.noLongerAsks, ["send"]);
  assert.equal(update.needsConsent, true);
  assert.match(formatSummary(asked[1]), /actions: {2}send \(no longer asks first\), draft/);
  const html = renderToString(
    <ConsentDialog summary={asked[1]} busy={false} onAnswer={() => {}} />,
  );
  assert.match(html, /No longer asks you before it runs: send\./);

  // Once agreed to, a later version that keeps it so asks nothing.
  await updatePlugin("mailer", answering(true));
  await repo.commit(pluginFiles({ name: "mailer", version: "1.2.0", actions: actions(false) }), {
    tags: ["v1.2.0"],
  });
  const r = await updatePlugin("mailer", answering(false));
  assert.equal(r.entry.version, "1.2.0");
  assert.equal(asked.length, 3, "1.1.0 asked once; 1.2.0 asked nothing");
  assert.deepEqual(r.summary.update?.noLongerAsks, []);
});

Deno.test("consent: the data dir quota is shown wherever file access is asked for", () => {
  const origin = {
    source: "acme/hello",
    url: "https://github.com/acme/hello",
    ref: "v1.0.0",
    commit: "0".repeat(40),
  };
  const m = manifest({ apis: ["rungpt:fs"] });
  const summary = summarize(m, origin, grantsFor(m));
  assert.deepEqual(summary.quota, DEFAULT_QUOTA);
  assert.match(
    formatSummary(summary),
    /\n {2}files: {4}whole data dir \(read-write\)\n {2}quota: {4}up to 100 MB in 10,000 files and folders\n/,
  );
  const html = renderToString(<ConsentDialog summary={summary} busy={false} onAnswer={() => {}} />);
  assert.match(html, /At most 100 MB in 10,000 files and folders/);

  // An update shows the quota the user set, which it keeps.
  const raised = { bytes: 500 * 1024 * 1024, files: 50_000 };
  const update = summarize(m, origin, grantsFor(m), {
    version: "0.9.0",
    grants: grantsFor(m),
    url: origin.url,
    quota: raised,
  });
  assert.match(formatSummary(update), /quota: {4}up to 500 MB in 50,000 files and folders/);

  // No files, no quota.
  const none = summarize(manifest({}), origin, grantsFor(manifest({})));
  assert.equal(none.quota, null);
  assert.doesNotMatch(formatSummary(none), /quota/);
  assert.doesNotMatch(
    renderToString(<ConsentDialog summary={none} busy={false} onAnswer={() => {}} />),
    /At most/,
  );
});

Deno.test("plugin page: a plugin with files shows its quota in a form that changes it", () => {
  const view: PluginView = {
    name: "notes",
    version: "1.0.0",
    description: "Notes.",
    source: "acme/notes",
    url: "https://github.com/acme/notes",
    ref: "v1.0.0",
    commit: "0".repeat(40),
    installedAt: "2026-01-01T00:00:00Z",
    enabled: true,
    error: null,
    apis: ["rungpt:fs"],
    hosts: [],
    allowPrivateNetwork: false,
    fs: [WHOLE],
    quota: { bytes: 500 * 1024 * 1024, files: 50_000 },
    actions: [],
    provides: [],
    settings: [],
  };
  const card = (p: PluginView) =>
    renderToString(
      <PluginCard
        plugin={p}
        jobRunning={false}
        onToggle={() => Promise.resolve()}
        onSaveSettings={() => Promise.resolve()}
        onSaveQuota={() => Promise.resolve()}
        onRemove={() => Promise.resolve()}
        onUpdate={() => {}}
      />,
    );
  const html = card(view);
  assert.match(html, /At most 500 MB in 50,000 files and folders/);
  assert.match(html, /<form class="plugin-settings plugin-quota" aria-label="notes storage quota"/);
  assert.match(html, /id="plugin-notes-quota-bytes" value="500 MB"/);
  assert.match(html, /id="plugin-notes-quota-files" inputMode="numeric" value="50000"/i);
  assert.doesNotMatch(card({ ...view, apis: [], fs: [] }), /quota/);

  assert.deepEqual(quotaFromFields("1 GB", "20,000"), { bytes: 1024 ** 3, files: 20_000 });
  assert.throws(() => quotaFromFields("big", "5"), /"big" is not a size/);
  assert.throws(() => quotaFromFields("5MB", "0"), /"0" is not a number of files/);
});

Deno.test("consent: an update that would show a saved secret asks again; until agreed, info and the page mask it", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "mailer");
  const config = (secret: boolean) => ({
    api_key: { type: "string", description: "The service's key.", secret },
    units: { type: "string", description: "Units.", default: "metric" },
  });
  await repo.commit(pluginFiles({ name: "mailer", config: config(true) }), { tags: ["v1.0.0"] });
  const pluginsDir = join(git.root, "plugins");
  const asked: ConsentSummary[] = [];
  const answering = (allow: boolean) => ({
    pluginsDir,
    dataDir: join(git.root, "data"),
    gitBase: git.base,
    confirm: (s: ConsentSummary) => (asked.push(s), Promise.resolve(allow)),
  });
  await installPlugin({ ...answering(true), spec: "acme/mailer" });
  const KEY = "sk-saved-secret-1234";
  await setPluginConfig(pluginsDir, "mailer", { api_key: KEY, units: "imperial" });

  // The same APIs and hosts, but api_key is no longer secret: its saved value would be shown.
  await repo.commit(pluginFiles({ name: "mailer", version: "1.1.0", config: config(false) }), {
    tags: ["v1.1.0"],
  });
  await assert.rejects(updatePlugin("mailer", answering(false)), ConsentRefusedError);
  assert.equal(asked.length, 2, "the update asked");
  const update = asked[1].update!;
  assert.deepEqual([update.unhides, update.needsConsent], [["api_key"], true]);
  assert.match(
    formatSummary(asked[1]),
    /unhides: {2}api_key \(kept secret until now: the saved value would be shown\)/,
  );
  const html = renderToString(
    <ConsentDialog summary={asked[1]} busy={false} onAnswer={() => {}} />,
  );
  assert.match(html, /No longer secret: api_key\./);

  // Refused: still 1.0.0, and neither `plugin info` nor the page's view shows the value.
  const out: string[] = [];
  const code = await runPluginCommand(["info", "mailer"], {
    pluginsDir,
    dataDir: join(git.root, "data"),
    stdout: (l) => out.push(l),
    stderr: (l) => out.push(l),
  });
  assert.equal(code, 0, out.join("\n"));
  assert(!out.join("\n").includes(KEY), out.join("\n"));
  assert.match(out.join("\n"), /setting: {3}api_key = \(secret, set\)/);
  const [installed] = await listInstalled(pluginsDir);
  const view = pluginView(installed, await getPluginConfig(pluginsDir, "mailer"), {
    api_key: KEY,
  });
  assert(!JSON.stringify(view).includes(KEY));
  assert.equal(view.version, "1.0.0");
});

Deno.test("consent: a setting re-declared plain under a name whose saved value was hidden asks again", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "mailer");
  const secretKey = { api_key: { type: "string", description: "Key.", secret: true } };
  await repo.commit(pluginFiles({ name: "mailer", config: secretKey }), { tags: ["v1.0.0"] });
  const pluginsDir = join(git.root, "plugins");
  const asked: ConsentSummary[] = [];
  const opts = {
    pluginsDir,
    dataDir: join(git.root, "data"),
    gitBase: git.base,
    confirm: (s: ConsentSummary) => (asked.push(s), Promise.resolve(true)),
  };
  await installPlugin({ ...opts, spec: "acme/mailer" });
  await setPluginConfig(pluginsDir, "mailer", { api_key: "sk-kept-5678" });

  // 1.1.0 drops the setting (its saved value stays, hidden): asks for nothing.
  await repo.commit(pluginFiles({ name: "mailer", version: "1.1.0" }), { tags: ["v1.1.0"] });
  await updatePlugin("mailer", opts);
  assert.equal(asked.length, 1, "dropping a secret asks nothing");
  // 1.2.0 declares it again, plain: the value saved while it was secret would show.
  const plainKey = { api_key: { type: "string", description: "Key." } };
  await repo.commit(pluginFiles({ name: "mailer", version: "1.2.0", config: plainKey }), {
    tags: ["v1.2.0"],
  });
  await updatePlugin("mailer", opts);
  assert.equal(asked.length, 2, "showing it asks");
  assert.deepEqual(asked[1].update?.unhides, ["api_key"]);
  // A secret made plain with nothing saved shows nothing: no question.
  await setPluginConfig(pluginsDir, "mailer", { api_key: null });
  await repo.commit(pluginFiles({ name: "mailer", version: "1.3.0", config: secretKey }), {
    tags: ["v1.3.0"],
  });
  await updatePlugin("mailer", opts);
  await repo.commit(pluginFiles({ name: "mailer", version: "1.4.0", config: plainKey }), {
    tags: ["v1.4.0"],
  });
  const r = await updatePlugin("mailer", opts);
  assert.deepEqual([r.entry.version, r.summary.update?.unhides], ["1.4.0", []]);
});
