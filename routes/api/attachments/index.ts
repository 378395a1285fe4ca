import { MAX_MESSAGE_BYTES } from "../../../lib/chat/attachment_limits.ts";
import { AttachmentError } from "../../../lib/chat/attachments_ingest.ts";
import { HttpError, json } from "../../../lib/web/http.ts";
import type { AppState } from "../../../lib/web/services.ts";
import type { Handlers, RouteConfig } from "../../../lib/web/types.ts";

// The files of one message, and the multipart framing around them.
export const config: RouteConfig = { bodyLimit: MAX_MESSAGE_BYTES + 1024 * 1024 };

/** `POST /api/attachments`, multipart with one or more `file` fields → `{ attachments }`. */
export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const type = req.headers.get("content-type") ?? "";
    if (!/^multipart\/form-data\b/i.test(type)) {
      throw new HttpError(415, "Upload files as multipart/form-data, each in a `file` field.");
    }
    let form: FormData;
    try {
      form = await req.formData();
    } catch {
      throw new HttpError(400, "The multipart body could not be read.");
    }
    const files = form.getAll("file").filter((f): f is File => f instanceof File);
    if (!files.length) throw new HttpError(400, "No file: send each one in a `file` field.");
    try {
      const uploaded = await ctx.state.app.attachments.upload(
        await Promise.all(files.map(async (f) => ({
          name: f.name.slice(0, 255) || "file",
          type: f.type,
          bytes: new Uint8Array(await f.arrayBuffer()),
        }))),
      );
      return json({ attachments: uploaded }, 201);
    } catch (e) {
      if (e instanceof AttachmentError) throw new HttpError(e.status, e.message, "attachment");
      throw e;
    }
  },
};
