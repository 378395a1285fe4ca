/**
 * The start-up baseline: the smallest Deno HTTP server answering 200 on `/`, started the same
 * way as rungpt (`deno run … --port 0`), printing `running at URL` once it listens.
 * @module
 */
if (import.meta.main) {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`running at http://127.0.0.1:${port}/ `),
  }, () =>
    new Response("<!doctype html><title>hello</title>", {
      headers: { "content-type": "text/html" },
    }));
  Deno.addSignalListener("SIGTERM", async () => {
    await server.shutdown();
    Deno.exit(0);
  });
}
