import type { JobEvent } from "../../../../../lib/plugins/jobs.ts";
import { HttpError } from "../../../../../lib/web/http.ts";
import type { AppState } from "../../../../../lib/web/services.ts";
import type { Handlers } from "../../../../../lib/web/types.ts";

const FINAL = new Set(["done", "error"]);

export const handler: Handlers<unknown, AppState> = {
  GET(req, ctx) {
    const { jobs } = ctx.state.app;
    if (!jobs.get(ctx.params.id)) throw new HttpError(404, `No job with id ${ctx.params.id}.`);
    const encoder = new TextEncoder();
    let unsubscribe = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let closed = false;
        const close = () => {
          if (closed) return;
          closed = true;
          unsubscribe();
          controller.close();
        };
        const send = (event: JobEvent) => {
          if (closed) return;
          controller.enqueue(
            encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
          );
          if (FINAL.has(event.type)) queueMicrotask(close);
        };
        unsubscribe = jobs.subscribe(ctx.params.id, send);
        req.signal.addEventListener("abort", close);
      },
      cancel: () => unsubscribe(),
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
    });
  },
};
