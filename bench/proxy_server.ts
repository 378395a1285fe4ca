/**
 * The relay's floor: the smallest Deno server that relays a chat completion, one fetch to the
 * upstream and its body handed back untouched (Deno pipes it without JavaScript seeing the
 * chunks). What it adds over calling the upstream directly is what any relay in Deno pays
 * for the extra HTTP hop.
 *
 * Usage: `deno run --allow-net=127.0.0.1 bench/proxy_server.ts http://127.0.0.1:PORT/v1`;
 * prints `running at URL` once it listens.
 * @module
 */
if (import.meta.main) {
  const upstream = Deno.args[0];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`running at http://127.0.0.1:${port}/ `),
  }, async (req) => {
    const res = await fetch(`${upstream}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: await req.text(),
    });
    return new Response(res.body, {
      status: res.status,
      headers: { "content-type": res.headers.get("content-type") ?? "text/event-stream" },
    });
  });
  Deno.addSignalListener("SIGTERM", async () => {
    await server.shutdown();
    Deno.exit(0);
  });
}
