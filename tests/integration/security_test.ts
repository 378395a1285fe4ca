// The guards of a local server that holds an API key, through real HTTP: Host allow-list
// (DNS rebinding), Origin checks (CSRF), security headers, the login wall off loopback, and
// the key never reaching a page or an API answer.
import assert from "node:assert/strict";
import {
  startRungpt,
  startRungptOnAllInterfaces,
  type TestRungpt,
} from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

const PROVIDER_KEY = "sk-test-key-0123456789";

interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Sends one HTTP/1.1 request by hand, so the Host header is exactly what a rebinding
 * attacker's page would send (fetch does not let us set it).
 */
async function rawRequest(
  port: number,
  opts: {
    method?: string;
    path: string;
    host: string;
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const lines = [
      `${opts.method ?? "GET"} ${opts.path} HTTP/1.1`,
      `Host: ${opts.host}`,
      "Connection: close",
      ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ];
    if (opts.body !== undefined) lines.push(`Content-Length: ${opts.body.length}`);
    const request = lines.join("\r\n") + "\r\n\r\n" + (opts.body ?? "");
    await conn.write(new TextEncoder().encode(request));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(16 * 1024);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(
      chunks.reduce((a, b) => new Uint8Array([...a, ...b]), new Uint8Array()),
    );
    const [head, ...rest] = text.split("\r\n\r\n");
    const [statusLine, ...headerLines] = head.split("\r\n");
    const headers = new Headers();
    for (const line of headerLines) {
      const i = line.indexOf(":");
      headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    return { status: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") };
  } finally {
    conn.close();
  }
}

async function conversationCount(rg: TestRungpt): Promise<number> {
  return (await (await rg.api("/api/conversations")).json()).conversations.length;
}

Deno.test("security: a foreign Host header is refused with 421 everywhere", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model });
  const port = rg.server.port;
  const auth = { authorization: `Bearer ${rg.token}` };
  for (
    const host of [
      "evil.example",
      `evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `192.168.1.20:${port}`,
    ]
  ) {
    for (
      const path of ["/", "/settings", "/api/conversations", "/api/settings", "/v1/models", "/mcp"]
    ) {
      const res = await rawRequest(port, { path, host, headers: auth });
      assert.equal(res.status, 421, `${host} ${path}`);
      assert.match(res.body, /not allowed/);
      assert.ok(!res.body.includes(PROVIDER_KEY));
    }
    const post = await rawRequest(port, {
      method: "POST",
      path: "/api/conversations",
      host,
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(post.status, 421, host);
  }
  assert.equal(await conversationCount(rg), 0);
  assert.equal(model.requests.length, 0);
});

Deno.test("security: a Host that is not exactly one host[:port] is refused with 421", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model });
  const port = rg.server.port;
  const malformed = [
    `localhost:${port}, evil.com`,
    `localhost:${port},evil.com`,
    `evil.com, localhost:${port}`,
    `localhost:${port} evil.com`,
    `localhost:${port}/path`,
    `user@localhost:${port}`,
    `localhost:99999`,
    `localhost:${port}:${port}`,
    `[::1]x:${port}`,
  ];
  for (const host of malformed) {
    for (const path of ["/", "/api/conversations", "/v1/models"]) {
      const res = await rawRequest(port, {
        path,
        host,
        headers: { authorization: `Bearer ${rg.token}` },
      });
      assert.equal(res.status, 421, `${host} ${path}: ${res.status} ${res.body}`);
      assert.match(res.body, /not allowed/);
    }
  }
  // Two Host headers are one too many, whichever comes first.
  const twice = await rawRequest(port, {
    path: "/api/conversations",
    host: `localhost:${port}`,
    headers: { host: "evil.com" },
  });
  assert.ok(twice.status === 421 || twice.status === 400, String(twice.status));
  assert.equal(model.requests.length, 0);
  assert.deepEqual(rg.logs.filter((l) => /error|\bat\s/.test(l)), [], "nothing went wrong");
});

Deno.test("security: loopback Host names are accepted", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model, env: { RUNGPT_ALLOWED_HOSTS: "chat.lan" } });
  const port = rg.server.port;
  for (
    const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `LOCALHOST:${port}`,
      "localhost",
      `chat.lan:${port}`,
    ]
  ) {
    const api = await rawRequest(port, { path: "/api/conversations", host });
    assert.equal(api.status, 200, host);
    const page = await rawRequest(port, { path: "/", host });
    assert.equal(page.status, 200, host);
    const v1 = await rawRequest(port, {
      path: "/v1/models",
      host,
      headers: { authorization: `Bearer ${rg.token}` },
    });
    assert.equal(v1.status, 200, host);
  }
});

Deno.test("security: state-changing requests from a foreign origin are refused with 403", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "never" }] });
  await using rg = await startRungpt({ model });
  const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
  const port = rg.server.port;
  const foreign: Array<Record<string, string>> = [
    { origin: "http://evil.example" },
    { origin: "null" },
    { origin: "null", "sec-fetch-site": "cross-site" },
    { origin: "null", "sec-fetch-site": "same-site" },
    { origin: "null", "sec-fetch-site": "none" },
    { origin: `http://127.0.0.1:${port + 1 > 65535 ? port - 1 : port + 1}` },
    { origin: `https://127.0.0.1:${port}.evil.example` },
    { origin: "not a url" },
    { origin: rg.origin, "sec-fetch-site": "cross-site" },
  ];
  const requests: Array<[string, string, unknown]> = [
    ["POST", "/api/conversations", {}],
    ["PATCH", `/api/conversations/${conv.id}`, { title: "pwned" }],
    ["DELETE", `/api/conversations/${conv.id}`, undefined],
    ["POST", `/api/conversations/${conv.id}/messages`, { content: "pwned" }],
    ["PUT", "/api/settings", { baseURL: "http://evil.example/v1" }],
    // Test connection makes rungpt send the key to a base URL: never for another site.
    ["POST", "/api/settings/test", { baseURL: "http://evil.example/v1" }],
    ["POST", "/v1/chat/completions", {
      model: "gpt-4o",
      messages: [{ role: "user", content: "x" }],
    }],
  ];
  for (const headers of foreign) {
    for (const [method, path, json] of requests) {
      const res = await rg.api(path, {
        method,
        json,
        headers: { ...headers, authorization: `Bearer ${rg.token}` },
      });
      assert.equal(res.status, 403, `${method} ${path} ${JSON.stringify(headers)}`);
      assert.match((await res.json()).error, /refused/);
    }
  }
  // A cross-site request without an Origin at all (Sec-Fetch-Site only) is refused too.
  const noOrigin = await fetch(rg.origin + "/api/conversations", {
    method: "POST",
    headers: { "content-type": "application/json", "sec-fetch-site": "cross-site" },
    body: "{}",
  });
  assert.equal(noOrigin.status, 403);
  await noOrigin.body?.cancel();

  // Nothing changed.
  const after = await (await rg.api(`/api/conversations/${conv.id}`)).json();
  assert.equal(after.conversation.title, conv.title);
  assert.deepEqual(after.messages, []);
  assert.equal(await conversationCount(rg), 1);
  assert.equal((await (await rg.api("/api/settings")).json()).baseURL, model.url);
  assert.equal(model.requests.length, 0);

  // Reads are not state-changing; they pass but grant no CORS access.
  const read = await rg.api("/api/conversations", { headers: { origin: "http://evil.example" } });
  assert.equal(read.status, 200);
  assert.equal(read.headers.get("access-control-allow-origin"), null);
  await read.body?.cancel();
});

Deno.test("security: same-origin and Origin-less (curl-like) writes pass", async () => {
  await using rg = await startRungpt();
  const same = await rg.api("/api/conversations", {
    method: "POST",
    json: {},
    headers: { "sec-fetch-site": "same-origin" },
  });
  assert.equal(same.status, 201);
  const conv = await same.json();
  const curl = await fetch(rg.origin + `/api/conversations/${conv.id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "from curl" }),
  });
  assert.equal(curl.status, 200);
  assert.equal((await curl.json()).title, "from curl");
  // A form of rungpt's own page posts with `Origin: null` (its Referrer-Policy is
  // no-referrer); the browser's Sec-Fetch-Site, which no page can set, says it is same-origin.
  const form = await rg.api("/api/conversations", {
    method: "POST",
    json: {},
    headers: { origin: "null", "sec-fetch-site": "same-origin" },
  });
  assert.equal(form.status, 201);
  await form.body?.cancel();
  const del = await fetch(rg.origin + `/api/conversations/${conv.id}`, { method: "DELETE" });
  assert.equal(del.status, 204);
  await del.body?.cancel();
});

Deno.test("security: headers forbid framing and sniffing; pages have a strict CSP", async () => {
  await using rg = await startRungpt();
  const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
  for (const path of ["/", "/settings", `/c/${conv.id}`, "/no-such-page"]) {
    const res = await rg.api(path);
    assert.ok(res.status === 200 || path === "/no-such-page", `${path}: ${res.status}`);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/, path);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'self'/, path);
    assert.match(csp, /script-src 'self'(;|$)/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.match(csp, /object-src 'none'/, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(res.headers.get("x-frame-options"), "DENY", path);
    assert.equal(res.headers.get("referrer-policy"), "no-referrer", path);
    assert.equal(res.headers.get("x-dns-prefetch-control"), "off", path);
    const html = await res.text();
    // Everything the page loads comes from this server (works offline, nothing leaks).
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]*)"/g)) {
      assert.ok(url.startsWith("/") && !url.startsWith("//") || url.startsWith("#"), url);
    }
  }
  for (const path of ["/api/conversations", "/api/settings"]) {
    const res = await rg.api(path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(res.headers.get("x-frame-options"), "DENY", path);
    await res.body?.cancel();
  }
  const refused = await rawRequest(rg.server.port, { path: "/", host: "evil.example" });
  assert.equal(refused.headers.get("x-content-type-options"), "nosniff");
});

Deno.test("security: the API key never appears in a page or an API answer", async () => {
  const storedKey = "sk-stored-in-settings-ZYXW9876";
  await using model = await startScriptedModel({
    replies: [{ status: 401 }, { text: "fine" }],
    models: ["gpt-4o"],
  });
  await using rg = await startRungpt({ model });
  const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
  // A failed turn (the upstream echoes a masked key in 401s) and a good one.
  for (const content of ["first", "second"]) {
    const res = await rg.api(`/api/conversations/${conv.id}/messages`, {
      method: "POST",
      json: { content },
    });
    assert.equal(res.status, 202);
    await res.body?.cancel();
    await (await rg.api(`/api/conversations/${conv.id}/events`)).text();
  }
  const bodies: string[] = [];
  const collect = async (key: string) => {
    for (
      const path of [
        "/",
        "/settings",
        `/c/${conv.id}`,
        "/api/settings",
        "/api/models",
        "/api/conversations",
        `/api/conversations/${conv.id}`,
        `/api/conversations/${conv.id}/export?format=md`,
        `/api/conversations/${conv.id}/export?format=json`,
        "/api/search?q=first",
      ]
    ) {
      const res = await rg.api(path);
      assert.equal(res.status, 200, path);
      const text = await res.text();
      assert.ok(!text.includes(key), `${path} contains the key`);
      assert.ok(!text.includes(key.slice(3, -4)), `${path} contains most of the key`);
      bodies.push(text);
    }
  };
  await collect(PROVIDER_KEY);
  const put = await rg.api("/api/settings", { method: "PUT", json: { apiKey: storedKey } });
  assert.ok(!(await put.text()).includes(storedKey));
  await collect(storedKey);
  // The settings page does show that a key is set (masked).
  assert.ok(bodies.some((b) => b.includes("9876")));
});

Deno.test("security: the key is never logged nor answered, even when the upstream echoes it", async () => {
  // Keys not shaped like OpenAI's, so only knowing the key itself can keep it out.
  const envKey = "local-ENVSECRET-9f8e7d6c5b4a";
  const savedKey = "local-SAVEDSECRET-1a2b3c4d5e";
  const echo = (key: string, status: number) => ({
    status,
    message: `Incorrect API key provided: ${key} (masked: ${key.slice(0, 3)}***${key.slice(-4)})`,
  });
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model, env: { OPENAI_API_KEY: envKey } });
  const bodies: string[] = [];
  const keep = async (res: Response) => {
    bodies.push(`${res.status} ${[...res.headers].join(" ")} ${await res.text()}`);
  };
  const turn = async (content: string) => {
    const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
    await keep(
      await rg.api(`/api/conversations/${conv.id}/messages`, {
        method: "POST",
        json: { content },
      }),
    );
    await keep(await rg.api(`/api/conversations/${conv.id}/events`));
    await keep(await rg.api(`/api/conversations/${conv.id}`));
    await keep(await rg.api(`/api/conversations/${conv.id}/export?format=md`));
    await keep(await rg.api(`/c/${conv.id}`));
  };
  const v1 = async (stream: boolean) => {
    await keep(
      await rg.api("/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${rg.token}` },
        json: { model: "gpt-4o", stream, messages: [{ role: "user", content: "hi" }] },
      }),
    );
  };
  const rounds = async (key: string) => {
    model.enqueue(
      { text: "A fine answer." },
      echo(key, 401),
      echo(key, 403),
      echo(key, 400),
      echo(key, 500),
      { chunks: ["Half "], streamError: { message: `bad key ${key}` } },
    );
    for (let i = 0; i < 6; i++) await turn(`question ${i}`);
    model.enqueue({ text: "ok" }, { text: "ok" }, echo(key, 401), echo(key, 403), echo(key, 500));
    for (const stream of [false, true, false, true, true]) await v1(stream);
    for (const status of [401, 500]) {
      model.setModels(echo(key, status));
      await keep(await rg.api("/api/models"));
      await keep(await rg.api("/v1/models", { headers: { authorization: `Bearer ${rg.token}` } }));
    }
    model.setModels(["gpt-4o"]);
  };

  await rounds(envKey);
  await keep(await rg.api("/api/settings", { method: "PUT", json: { apiKey: savedKey } }));
  await keep(await rg.api("/settings"));
  await rounds(savedKey);
  // The upstream did get the keys and answer: the test would prove nothing otherwise.
  const sent = new Set(model.requests.map((r) => r.headers.authorization));
  assert.ok(sent.has(`Bearer ${envKey}`) && sent.has(`Bearer ${savedKey}`));
  assert.ok(bodies.some((b) => b.includes("A fine answer.")));
  assert.ok(bodies.some((b) => b.includes("Incorrect API key provided: [redacted]")));

  for (const key of [envKey, savedKey]) {
    // The key, its middle, or the upstream's masked echo of it (which gives away 7 characters).
    const parts = [key, key.split("-")[1], `${key.slice(0, 3)}***${key.slice(-4)}`];
    const leaks = (text: string) => parts.some((p) => text.includes(p));
    for (const body of bodies) assert.ok(!leaks(body), `an answer holds the key: ${body}`);
    for (const line of rg.logs) assert.ok(!leaks(line), `a log line holds the key: ${line}`);
  }
});

Deno.test("security: bound beyond loopback, the UI needs the token (login, link, cookie)", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungptOnAllInterfaces({ model });
  if (!rg) return;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(rg.origin + path, { headers, redirect: "manual" });

  assert.equal(rg.server.loginUrl, `${rg.origin}/?token=${encodeURIComponent(rg.token)}`);

  // Without a session: pages go to the login, the API answers 401.
  const page = await get("/settings");
  assert.equal(page.status, 303);
  assert.equal(page.headers.get("location"), "/login?next=%2Fsettings");
  await page.body?.cancel();
  const api = await get("/api/conversations");
  assert.equal(api.status, 401);
  assert.equal((await api.json()).kind, "auth");
  const write = await rg.api("/api/conversations", { method: "POST", json: {} });
  assert.equal(write.status, 401);
  await write.body?.cancel();
  const login = await get("/login");
  assert.equal(login.status, 200);
  const loginHtml = await login.text();
  assert.match(loginHtml, /name="token"/);
  // What the login page loads (styles, scripts) is reachable without a session.
  for (const [, url] of loginHtml.matchAll(/(?:src|href)="(\/[^"]*)"/g)) {
    const asset = await get(url);
    assert.equal(asset.status, 200, url);
    await asset.body?.cancel();
  }
  const wrongLink = await get("/?token=rgt_not-the-token-000000000");
  assert.equal(wrongLink.status, 303);
  assert.match(wrongLink.headers.get("location") ?? "", /^\/login/);
  assert.equal(wrongLink.headers.get("set-cookie"), null);
  await wrongLink.body?.cancel();

  // The ?token= link sets an HttpOnly, SameSite=Strict cookie and drops the token from the URL.
  const link = await get(`/settings?token=${encodeURIComponent(rg.token)}&x=1`);
  assert.equal(link.status, 303);
  assert.equal(link.headers.get("location"), "/settings?x=1");
  const setCookie = link.headers.get("set-cookie") ?? "";
  await link.body?.cancel();
  assert.match(setCookie, /^rungpt_session=[^;]+;/);
  assert.match(setCookie, /; HttpOnly/);
  assert.match(setCookie, /; SameSite=Strict/);
  assert.match(setCookie, /; Path=\//);
  assert.ok(!setCookie.includes(rg.token), "the cookie must not hold the token itself");
  const cookie = setCookie.split(";")[0];

  const withCookie = await get("/api/conversations", { cookie });
  assert.equal(withCookie.status, 200);
  await withCookie.body?.cancel();
  const pageWithCookie = await get("/settings", { cookie });
  assert.equal(pageWithCookie.status, 200);
  await pageWithCookie.body?.cancel();
  const forged = await get("/api/conversations", { cookie: "rungpt_session=forged" });
  assert.equal(forged.status, 401);
  await forged.body?.cancel();
  // The session does not open /v1: API clients still need the bearer token.
  const v1 = await get("/v1/models", { cookie });
  assert.equal(v1.status, 401);
  await v1.body?.cancel();

  // The login form: a wrong token is 401, the right one sets the cookie and goes to `next`.
  const form = (token: string, next: string) =>
    fetch(rg.origin + "/login", {
      method: "POST",
      redirect: "manual",
      headers: { origin: rg.origin },
      body: new URLSearchParams({ token, next }),
    });
  const wrong = await form("rgt_not-the-token-000000000", "/settings");
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get("set-cookie"), null);
  assert.match(await wrong.text(), /not right/);
  const right = await form(rg.token, "/settings");
  assert.equal(right.status, 303);
  assert.equal(right.headers.get("location"), "/settings");
  assert.equal(right.headers.get("set-cookie")?.split(";")[0], cookie);
  await right.body?.cancel();
  // `next` cannot send the browser to another site.
  // Browsers drop raw tabs and newlines from a Location (`/\t/evil` is `//evil` to them), and
  // `/..//evil` normalizes to `//evil`.
  const attacks = [
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/..//evil.example",
    "\uFF0F\uFF0Fevil.example",
  ];
  for (const next of attacks) {
    const res = await form(rg.token, next);
    assert.equal(res.headers.get("location"), "/", next);
    await res.body?.cancel();
  }
  // Nor can a `?token=` link on a path that starts with `//`.
  const linkOut = await get(`//evil.example/?token=${encodeURIComponent(rg.token)}`);
  assert.equal(linkOut.status, 303);
  assert.equal(linkOut.headers.get("location"), "/");
  await linkOut.body?.cancel();
  // A login from a foreign origin is refused like any other write.
  const csrf = await fetch(rg.origin + "/login", {
    method: "POST",
    redirect: "manual",
    headers: { origin: "http://evil.example" },
    body: new URLSearchParams({ token: rg.token, next: "/" }),
  });
  assert.equal(csrf.status, 403);
  await csrf.body?.cancel();

  // On an all-interfaces bind, IP literals are accepted but names are still checked.
  const byIp = await rawRequest(rg.server.port, {
    path: "/api/conversations",
    host: `10.1.2.3:${rg.server.port}`,
    headers: { cookie },
  });
  assert.equal(byIp.status, 200);
  const byName = await rawRequest(rg.server.port, {
    path: "/api/conversations",
    host: `evil.example:${rg.server.port}`,
    headers: { cookie },
  });
  assert.equal(byName.status, 421);
});

Deno.test("security: a login POST that is not a form is a 400, not a server error", async () => {
  await using rg = await startRungpt();
  const res = await rg.api("/login", { method: "POST", json: { token: rg.token } });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("set-cookie"), null);
  assert.match(await res.text(), /login form/);
});
