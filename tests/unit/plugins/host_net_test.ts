import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { pluginEnv } from "../../support/plugin_runtime.ts";
import { callAction, type LoadedPlugin } from "../../../lib/plugins/runtime.ts";
import { hostMatches, isPrivateAddress, type NetDeps } from "../../../lib/plugins/host/net.ts";
import { createDefaultRegistry } from "../../../lib/plugins/host/mod.ts";

/**
 * A 127.0.0.1 server: /hello, /big, /echo (POST), /to?url= (302), /see-other (303 to /hello),
 * /forever; with `tls`, over https. `paths` records every request it got.
 */
function startServer(
  tls?: { cert: string; key: string },
): Deno.HttpServer<Deno.NetAddr> & { paths: string[] } {
  const paths: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...tls },
    async (req) => {
      const url = new URL(req.url);
      paths.push(`${req.headers.get("host")}${url.pathname}`);
      if (url.pathname === "/hello") {
        return new Response("hi there", {
          headers: { "x-test": "1" },
        });
      }
      if (url.pathname === "/big") return new Response("b".repeat(5000));
      if (url.pathname === "/echo") {
        return new Response(`${req.method} ${await req.text()} ${req.headers.get("x-token")}`);
      }
      if (url.pathname === "/to") {
        return new Response(null, {
          status: 302,
          headers: { location: url.searchParams.get("url")! },
        });
      }
      if (url.pathname === "/see-other") {
        return new Response(null, { status: 303, headers: { location: "/echo" } });
      }
      if (url.pathname === "/forever") {
        return new Response(null, { status: 302, headers: { location: "/forever" } });
      }
      return new Response("not found", { status: 404 });
    },
  );
  return Object.assign(server, { paths });
}

async function request(plugin: LoadedPlugin, req: unknown) {
  return JSON.parse(await callAction(plugin, "request", JSON.stringify(req)));
}

function assertError(envelope: { error?: string }, part: string) {
  assert.ok(
    envelope.error?.includes(part),
    `expected an error with ${part}: ${JSON.stringify(envelope)}`,
  );
}

Deno.test("rungpt:net reaches an allowed host when private networks are granted", async () => {
  await using env = await pluginEnv();
  await using server = startServer();
  const base = `http://127.0.0.1:${server.addr.port}`;
  const fetcher = await env.load("fetcher", {
    grants: { apis: ["rungpt:net"], allowPrivateNetwork: true },
  });
  const res = await request(fetcher, { url: `${base}/hello` });
  assertEquals(res.ok.status, 200);
  assertEquals(res.ok.body, "hi there");
  assertEquals(res.ok.headers["x-test"], "1");
  const post = await request(fetcher, {
    method: "POST",
    url: `${base}/echo`,
    headers: { "x-token": "t" },
    body: "payload",
  });
  assertEquals(post.ok.body, "POST payload t");
  // 303 turns the POST into a GET without body, same origin keeps headers.
  const seeOther = await request(fetcher, { method: "POST", url: `${base}/see-other`, body: "b" });
  assertEquals(seeOther.ok.body, "GET  null");
  assertEquals(seeOther.ok.url, `${base}/echo`);
  assertEquals((await request(fetcher, { url: `${base}/nope` })).ok.status, 404);
});

Deno.test("rungpt:net refuses private addresses without the grant", async () => {
  await using env = await pluginEnv();
  await using server = startServer();
  const fetcher = await env.load("fetcher");
  const res = await request(fetcher, { url: `http://127.0.0.1:${server.addr.port}/hello` });
  assertError(res, "private address 127.0.0.1");
  assertError(await request(fetcher, { url: "http://[::ffff:127.0.0.1]/" }), "not allowed");
});

Deno.test("rungpt:net refuses hosts not allowed, on the first hop and after redirects", async () => {
  await using env = await pluginEnv();
  await using server = startServer();
  const port = server.addr.port;
  const base = `http://127.0.0.1:${port}`;
  const fetcher = await env.load("fetcher", {
    grants: { apis: ["rungpt:net"], allowPrivateNetwork: true },
  });
  assertError(await request(fetcher, { url: `http://localhost:${port}/hello` }), "not allowed");
  const redirected = await request(fetcher, {
    url: `${base}/to?url=${encodeURIComponent(`http://localhost:${port}/hello`)}`,
  });
  assertError(redirected, `host localhost:${port} is not allowed`);
  assertError(await request(fetcher, { url: `${base}/forever` }), "more than 5 redirects");
  assertError(await request(fetcher, { url: "file:///etc/passwd" }), "not allowed");
});

Deno.test("rungpt:net honours the user's host grants and caps responses", async () => {
  await using env = await pluginEnv();
  await using server = startServer();
  const base = `http://127.0.0.1:${server.addr.port}`;
  const narrowed = await env.load("fetcher", {
    grants: { apis: ["rungpt:net"], netHosts: ["allowed.test"], allowPrivateNetwork: true },
  });
  assertError(
    await request(narrowed, { url: `${base}/hello` }),
    "not allowed (allowed: allowed.test)",
  );
  const capped = await env.load("fetcher", {
    manifest: { name: "capped" },
    grants: { apis: ["rungpt:net"], allowPrivateNetwork: true },
    limits: { httpResponseBytes: 1000 },
  });
  assertError(await request(capped, { url: `${base}/big` }), "exceeds the 1000-byte limit");
  assertEquals((await request(capped, { url: `${base}/hello` })).ok.body, "hi there");
  assertError(await request(capped, { url: "not a url" }), "Invalid URL");
});

Deno.test("isPrivateAddress covers IPv4, IPv6 and mapped forms", () => {
  for (
    const ip of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "::1",
      "::",
      "fe80::1",
      "fc00::1",
      "fd12:3456::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:10.0.0.1",
      "64:ff9b::a00:1",
      "2002:7f00:1::",
      "::ffff:0:127.0.0.1",
      "::ffff:0:a00:1",
      "64:ff9b:1::a00:1",
      "2001:0:4136:e378:8000:63bf:3fff:fdd2",
      "100::1",
      "ff02::1",
      "not-an-ip",
    ]
  ) assertEquals(isPrivateAddress(ip), true, ip);
  for (
    const ip of [
      "93.184.216.34",
      "8.8.8.8",
      "2606:4700::1111",
      "::ffff:8.8.8.8",
      "::ffff:0:8.8.8.8",
    ]
  ) {
    assertEquals(isPrivateAddress(ip), false, ip);
  }
  assert.ok(hostMatches("*.example.com", "api.example.com", "443"));
  assert.ok(!hostMatches("*.example.com", "example.com", "443"));
  assert.ok(!hostMatches("example.com", "example.com.evil.test", "443"));
  assert.ok(hostMatches("127.0.0.1:8080", "127.0.0.1", "8080"));
  assert.ok(!hostMatches("127.0.0.1:8080", "127.0.0.1", "9090"));
});

const TLS_DIR = new URL("../../fixtures/tls/", import.meta.url);
const PUBLIC = "93.184.216.34";

/**
 * A registry whose `rungpt:net` resolves names with `names` (as a DNS answer that says "public"
 * would) and records every address it connects to, connecting for real to the test server on
 * 127.0.0.1 unless `refuse`.
 */
function rebinding(names: Record<string, string[]>, port: number, opts: Partial<NetDeps> & {
  refuse?: boolean;
} = {}) {
  const connected: string[] = [];
  const registry = createDefaultRegistry({
    net: {
      resolve: (host) => Promise.resolve(names[host] ?? []),
      connect: (address, p) => {
        connected.push(`${address}:${p}`);
        if (opts.refuse) return Promise.reject(new Deno.errors.ConnectionRefused("refused"));
        return Deno.connect({ hostname: "127.0.0.1", port });
      },
      caCerts: opts.caCerts,
    },
  });
  return { registry, connected };
}

Deno.test("rungpt:net connects to the address it checked, not to a second lookup's answer", async () => {
  await using env = await pluginEnv();
  await using server = startServer();
  const port = server.addr.port;
  // The check sees a public address for "localhost"; a second lookup (fetch's) would say
  // 127.0.0.1, where this server listens: a rebinding.
  const net = rebinding({ localhost: [PUBLIC] }, port);
  const fetcher = await env.load("fetcher", {
    registry: net.registry,
    manifest: { permissions: { net: { hosts: ["localhost"] } } },
  });
  const res = await request(fetcher, { url: `http://localhost:${port}/hello` });
  assertEquals(res.ok?.body, "hi there", JSON.stringify(res));
  assertEquals(net.connected, [`${PUBLIC}:${port}`]);
  assertEquals(server.paths, [`localhost:${port}/hello`]);

  // Where that address does not answer, the request fails; nothing goes elsewhere.
  const refused = rebinding({ localhost: [PUBLIC] }, port, { refuse: true });
  const blocked = await env.load("fetcher", {
    registry: refused.registry,
    manifest: { name: "blocked", permissions: { net: { hosts: ["localhost"] } } },
  });
  assertError(
    await request(blocked, { url: `http://localhost:${port}/hello` }),
    `could not connect to ${PUBLIC} port ${port}`,
  );
  assertEquals(refused.connected, [`${PUBLIC}:${port}`]);
  assertEquals(server.paths.length, 1, "the refused request reached no server");
});

Deno.test("rungpt:net over https: TLS to the checked address, certificate checked for the name", async () => {
  await using env = await pluginEnv();
  const read = (f: string) => Deno.readTextFile(new URL(f, TLS_DIR));
  await using server = startServer({ cert: await read("cert.pem"), key: await read("key.pem") });
  const port = server.addr.port;
  const net = rebinding({ "rebind.test": [PUBLIC], "other.test": [PUBLIC] }, port, {
    caCerts: [await read("ca.pem")],
  });
  const fetcher = await env.load("fetcher", {
    registry: net.registry,
    manifest: { permissions: { net: { hosts: ["rebind.test", "other.test"] } } },
  });
  const res = await request(fetcher, { url: `https://rebind.test:${port}/hello` });
  assertEquals(res.ok?.body, "hi there", JSON.stringify(res));
  assertEquals(res.ok?.url, `https://rebind.test:${port}/hello`);
  assertEquals(net.connected, [`${PUBLIC}:${port}`]);
  // The certificate is for rebind.test: another name on the same address is refused.
  assertError(
    await request(fetcher, { url: `https://other.test:${port}/hello` }),
    'TLS with other.test failed: invalid peer certificate: certificate not valid for name "other.test"',
  );
  assertEquals(server.paths, [`rebind.test:${port}/hello`]);
});

Deno.test("rungpt:net refuses a redirect to a private address, by name or literal", async () => {
  await using env = await pluginEnv();
  await using server = startServer();
  const port = server.addr.port;
  const net = rebinding({ "public.test": [PUBLIC], "internal.test": ["10.0.0.7"] }, port);
  const fetcher = await env.load("fetcher", {
    registry: net.registry,
    manifest: {
      permissions: { net: { hosts: ["public.test", "internal.test", "127.0.0.1"] } },
    },
  });
  const to = (target: string) => `http://public.test:${port}/to?url=${encodeURIComponent(target)}`;
  assertError(
    await request(fetcher, { url: to(`http://internal.test:${port}/hello`) }),
    `host internal.test:${port} resolves to the private address 10.0.0.7`,
  );
  assertError(
    await request(fetcher, { url: to(`http://127.0.0.1:${port}/hello`) }),
    "private address 127.0.0.1; private networks were not granted",
  );
  // Only the redirecting hops were sent; the private targets never were.
  assertEquals(server.paths, [`public.test:${port}/to`, `public.test:${port}/to`]);
  assertEquals(net.connected, [`${PUBLIC}:${port}`, `${PUBLIC}:${port}`]);
});
