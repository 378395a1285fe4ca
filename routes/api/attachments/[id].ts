import { HttpError } from "../../../lib/web/http.ts";
import type { AppState } from "../../../lib/web/services.ts";
import type { Handlers } from "../../../lib/web/types.ts";

/**
 * `GET /api/attachments/:id`: the stored file. Images are shown inline (thumbnails); anything
 * else downloads, so a stored file is never rendered as a page of this origin.
 */
export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const found = await ctx.state.app.attachments.read(ctx.params.id);
    if (!found) throw new HttpError(404, `No attachment with id ${ctx.params.id}.`);
    const { attachment: a, bytes } = found;
    const inline = a.kind === "image";
    return new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": inline ? a.type : "application/octet-stream",
        "content-disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${
          encodeURIComponent(a.name)
        }`,
        "cache-control": "private, max-age=31536000, immutable",
      },
    });
  },
};
