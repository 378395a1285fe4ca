/**
 * The conversions that decode untrusted files, run in a worker (lib/chat/attachments_worker.ts)
 * so that a deadline can stop them: images decoded, turned upright by their EXIF orientation,
 * scaled down to {@linkcode MAX_IMAGE_SIDE} and re-encoded (which drops EXIF and every other
 * metadata block); PDFs read for their text. Private to the attachment modules.
 * @module
 */
import { imageSize } from "image-size";
import type { Image } from "imagescript";
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_TEXT_CHARS } from "./attachment_limits.ts";

/** A file refused: the message names the file and what was wrong. */
export class AttachmentError extends Error {
  override name = "AttachmentError";
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

/** What a conversion gives: the bytes to keep, their type, and the text to send. */
export interface Converted {
  type: string;
  kind: "image" | "pdf";
  bytes: Uint8Array;
  text: string | null;
}

/** An image, ready for the model (`format` as image-size names it: `png` or `jpg`). */
export async function convertImage(
  label: string,
  format: string,
  bytes: Uint8Array,
): Promise<Converted> {
  if (format !== "png" && format !== "jpg") {
    throw new AttachmentError(
      `${label} is a ${format.toUpperCase()} image; rungpt takes PNG and JPEG images.`,
      415,
    );
  }
  const { width = 0, height = 0 } = imageSize(bytes);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new AttachmentError(
      `${label} is ${width}×${height} pixels; images may have at most ` +
        `${MAX_IMAGE_PIXELS / 1e6} million pixels.`,
      413,
    );
  }
  // Loaded only when an image comes: the decoder is large.
  const { Image } = await import("imagescript");
  let img: Image;
  try {
    img = await Image.decode(bytes);
  } catch (e) {
    throw new AttachmentError(`${label} is not a readable image: ${message(e)}`);
  }
  // Re-encoding drops the EXIF orientation, so a phone's photo is turned upright first.
  if (format === "jpg") img = upright(img, await exifOrientation(bytes));
  if (Math.max(img.width, img.height) > MAX_IMAGE_SIDE) {
    if (img.width >= img.height) img.resize(MAX_IMAGE_SIDE, Image.RESIZE_AUTO);
    else img.resize(Image.RESIZE_AUTO, MAX_IMAGE_SIDE);
  }
  // PNG stays PNG (transparency, screenshots); photos stay JPEG.
  const out = format === "png" ? await img.encode(1) : await img.encodeJPEG(85);
  return {
    type: format === "png" ? "image/png" : "image/jpeg",
    kind: "image" as const,
    bytes: out,
    text: null,
  };
}

/** The EXIF orientation of a JPEG (1 when it has none, or it cannot be read). */
async function exifOrientation(bytes: Uint8Array): Promise<number> {
  const { default: exifr } = await import("exifr");
  try {
    return (await exifr.orientation(bytes)) ?? 1;
  } catch {
    return 1; // unreadable metadata: the pixels are shown as stored
  }
}

/** The image turned as EXIF orientation 2-8 says, or the same image for 1 or none. */
function upright(img: Image, orientation: number): Image {
  const steps: Record<number, [turn: "cw" | "ccw" | "half" | null, mirror: boolean]> = {
    2: [null, true],
    3: ["half", false],
    4: ["half", true],
    5: ["cw", true],
    6: ["cw", false],
    7: ["ccw", true],
    8: ["ccw", false],
  };
  const step = steps[orientation];
  if (!step) return img;
  const [turn, mirror] = step;
  const out = turn === "half" ? img.rotate(180) : turn ? quarterTurn(img, turn === "cw") : img;
  return mirror ? out.flip("horizontal") : out;
}

/**
 * A quarter turn, pixel by pixel: imagescript's `rotate(90)` fills a non-square image with
 * one half of it (1.3.1).
 */
function quarterTurn(img: Image, clockwise: boolean): Image {
  const { width: w, height: h } = img;
  const src = new Uint32Array(img.bitmap.slice().buffer);
  const dst = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      dst[clockwise ? x * h + (h - 1 - y) : (w - 1 - x) * h + y] = src[y * w + x];
    }
  }
  const out = new (img.constructor as new (w: number, h: number) => Image)(h, w);
  out.bitmap.set(new Uint8Array(dst.buffer));
  return out;
}

/** A PDF with its text. */
export async function pdfText(label: string, bytes: Uint8Array): Promise<Converted> {
  // Loaded only when a PDF comes (pdf.js is large).
  const { extractText, getDocumentProxy } = await import("unpdf");
  let text: string;
  try {
    // pdf.js may detach the buffer it is given: hand it a copy, keep the original to store.
    const doc = await getDocumentProxy(bytes.slice());
    text = (await extractText(doc, { mergePages: true })).text;
    // Frees pdf.js's worker-side state; its typings leave `destroy` out.
    await (doc as unknown as { destroy?(): Promise<void> }).destroy?.();
  } catch (e) {
    throw new AttachmentError(`${label} is not a readable PDF: ${message(e)}`);
  }
  if (!text.trim()) {
    throw new AttachmentError(
      `${label} has no text to read (a scanned PDF?); attach its pages as images instead.`,
    );
  }
  checkTextLength(label, text);
  return { type: "application/pdf", kind: "pdf" as const, bytes, text };
}

/** Refuses text longer than {@linkcode MAX_TEXT_CHARS}, naming the file. */
export function checkTextLength(label: string, text: string): void {
  if (text.length > MAX_TEXT_CHARS) {
    throw new AttachmentError(
      `${label} has ${text.length.toLocaleString("en")} characters of text; a file may add at ` +
        `most ${MAX_TEXT_CHARS.toLocaleString("en")}.`,
      413,
    );
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
