/**
 * The scripted OpenAI-compatible server as a standalone process for the relay benchmark:
 * every chat completion streams N numbered chunks (`t0 `, `t1 `, …) with no delay, so the
 * client can check that none was lost or reordered.
 *
 * Usage: `deno run --allow-net=127.0.0.1 bench/model_server.ts 1000`; prints
 * `listening http://127.0.0.1:PORT/v1` and serves until killed.
 * @module
 */
import { startScriptedModel } from "../tests/support/scripted_model.ts";

/** The chunks of one reply: `t0 `, `t1 `, … (distinct, so order is checkable). */
export function numberedChunks(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `t${i} `);
}

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 1000);
  const chunks = numberedChunks(n);
  const model = await startScriptedModel({ responder: () => ({ chunks }) });
  console.log(`listening ${model.url}`);
  const stop = async () => {
    await model.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
