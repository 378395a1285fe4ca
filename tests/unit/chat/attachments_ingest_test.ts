import assert from "node:assert/strict";
import { imageSize } from "image-size";
import { Image } from "imagescript";
import { AttachmentError, ingestFile } from "../../../lib/chat/attachments_ingest.ts";
import { MAX_TEXT_CHARS } from "../../../lib/chat/attachment_limits.ts";
import { imageRefusal } from "../../../lib/chat/attachments_errors.ts";
import { LlmError } from "../../../lib/llm/errors.ts";
import {
  containsAscii,
  EXIF_MARKER,
  jpegWithExif,
  pdfWithText,
  png,
} from "../../support/attachment_fixtures.ts";

const refused = (status: number, message: RegExp) => (e: unknown) =>
  e instanceof AttachmentError && e.status === status && message.test(e.message);

Deno.test("ingest: a photo is turned upright by its EXIF orientation, and the EXIF dropped", async () => {
  const f = await ingestFile("phone.jpg", "image/jpeg", await jpegWithExif(40, 20, 6));
  assert.equal(f.type, "image/jpeg");
  const { width, height } = imageSize(f.bytes);
  assert.deepEqual([width, height], [20, 40]);
  // Turned clockwise: the left half (blue) is now the top half, the right (yellow) the bottom.
  const img = await Image.decode(f.bytes);
  const [topRed, , topBlue] = Image.colorToRGBA(img.getPixelAt(10, 5));
  const [bottomRed, , bottomBlue] = Image.colorToRGBA(img.getPixelAt(10, 35));
  assert.ok(topBlue > 150 && topRed < 100, `top is blue: ${topRed}, ${topBlue}`);
  assert.ok(bottomRed > 200 && bottomBlue < 100, `bottom is yellow: ${bottomRed}, ${bottomBlue}`);
  assert.equal(containsAscii(f.bytes, EXIF_MARKER), false);
});

Deno.test("ingest: a small PNG stays a PNG of the same size", async () => {
  const f = await ingestFile("shot.png", "", await png(30, 10));
  assert.deepEqual([f.kind, f.type], ["image", "image/png"]);
  const { width, height } = imageSize(f.bytes);
  assert.deepEqual([width, height], [30, 10]);
});

Deno.test("ingest: an image that claims too many pixels is refused before it is decoded", async () => {
  const bytes = await png(4, 4);
  // IHDR's width and height (image-size reads the header; nothing is decoded).
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(16, 20_000);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(20, 20_000);
  await assert.rejects(
    ingestFile("bomb.png", "image/png", bytes),
    refused(413, /"bomb\.png" is 20000×20000 pixels/),
  );
});

Deno.test("ingest: PDFs give their text; one without text is refused", async () => {
  const f = await ingestFile("a.pdf", "application/pdf", pdfWithText("Hello PDF"));
  assert.deepEqual([f.kind, f.text], ["pdf", "Hello PDF"]);
  await assert.rejects(
    ingestFile("scan.pdf", "application/pdf", pdfWithText("")),
    refused(400, /"scan\.pdf" has no text to read/),
  );
  await assert.rejects(
    ingestFile("broken.pdf", "application/pdf", new TextEncoder().encode("%PDF-1.4 garbage")),
    refused(400, /"broken\.pdf" is not a readable PDF/),
  );
});

Deno.test("ingest: a conversion that outlasts its time limit is ended and refused", async () => {
  await assert.rejects(
    ingestFile("slow.pdf", "application/pdf", pdfWithText("Hello"), 1),
    refused(422, /"slow\.pdf" took more than 0\.001 s to read; rungpt gave up on it\./),
  );
  // The next file is read as usual.
  const f = await ingestFile("next.pdf", "application/pdf", pdfWithText("Next"));
  assert.equal(f.text, "Next");
});

Deno.test("ingest: text by its bytes; binary and overlong text refused", async () => {
  const f = await ingestFile("data", "application/octet-stream", new TextEncoder().encode("a,b\n"));
  assert.deepEqual([f.kind, f.type, f.text], ["text", "text/plain", "a,b\n"]);
  await assert.rejects(
    ingestFile("latin1.txt", "text/plain", new Uint8Array([0x63, 0x61, 0x66, 0xe9])),
    refused(415, /"latin1\.txt" \(text\/plain\) cannot be attached/),
  );
  await assert.rejects(
    ingestFile("long.txt", "text/plain", new TextEncoder().encode("x".repeat(MAX_TEXT_CHARS + 1))),
    refused(413, /"long\.txt" has 200,001 characters/),
  );
});

Deno.test("imageRefusal: only a 400 about images, to a request that carried images", () => {
  const images = new Map([["m", [{ type: "image_url" as const, image_url: { url: "data:," } }]]]);
  const texts = new Map([["m", [{ type: "text" as const, text: "x" }]]]);
  const about = new LlmError("bad_request", "image input is not supported", { status: 400 });
  assert.equal(imageRefusal(about, images)?.kind, "images_unsupported");
  assert.equal(imageRefusal(about, texts), about);
  const other = new LlmError("bad_request", "max_tokens too large", { status: 400 });
  assert.equal(imageRefusal(other, images), other);
  assert.equal(imageRefusal(undefined, images), undefined);
});
