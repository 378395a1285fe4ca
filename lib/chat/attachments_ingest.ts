/**
 * Turning an uploaded file into what the model is sent: its kind decided by its bytes (not its
 * name), images re-encoded (scaled down to {@linkcode MAX_IMAGE_SIDE}; re-encoding drops EXIF
 * and every other metadata block), PDFs and text files as text. A file that is none of these,
 * or breaks a limit, is refused with an {@linkcode AttachmentError} naming it.
 * @module
 */
import { imageSize } from "image-size";
import type { Image } from "imagescript";
import type { AttachmentKind } from "../store/attachments.ts";
import {
  MAX_FILE_BYTES,
  MAX_IMAGE_PIXELS,
  MAX_IMAGE_SIDE,
  MAX_TEXT_CHARS,
} from "./attachment_limits.ts";

/** A file refused: the message names the file and what was wrong. */
export class AttachmentError extends Error {
  override name = "AttachmentError";
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

/** A file ready to store: the bytes kept and, for text and PDFs, the text sent. */
export interface IngestedFile {
  name: string;
  type: string;
  kind: AttachmentKind;
  bytes: Uint8Array;
  text: string | null;
}

/**
 * Checks and converts one file.
 *
 * @example
 * ```ts
 * const f = await ingestFile("notes.md", "text/markdown", bytes); // { kind: "text", ... }
 * ```
 */
export async function ingestFile(
  name: string,
  declaredType: string,
  bytes: Uint8Array,
): Promise<IngestedFile> {
  const label = `"${name}"`;
  if (bytes.byteLength > MAX_FILE_BYTES) {
    throw new AttachmentError(
      `${label} is ${mb(bytes.byteLength)}; files may be at most ${mb(MAX_FILE_BYTES)}.`,
      413,
    );
  }
  if (isPdf(bytes)) return { name, ...await pdfText(label, bytes) };
  const image = imageType(bytes);
  if (image) return { name, ...await image_(label, image, bytes) };
  const text = utf8Text(bytes);
  if (text !== null) {
    checkTextLength(label, text);
    return { name, type: "text/plain", kind: "text", bytes, text };
  }
  const what = declaredType && declaredType !== "application/octet-stream"
    ? declaredType
    : "binary data";
  throw new AttachmentError(
    `${label} (${what}) cannot be attached: rungpt takes PNG and JPEG images, PDFs and ` +
      `text or code files.`,
    415,
  );
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function isPdf(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes.subarray(0, 5)) === "%PDF-";
}

/** The image format by its header, or null when it is not an image image-size knows. */
function imageType(bytes: Uint8Array): string | null {
  try {
    return imageSize(bytes).type ?? null;
  } catch {
    return null;
  }
}

async function image_(label: string, format: string, bytes: Uint8Array) {
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

async function pdfText(label: string, bytes: Uint8Array) {
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

/** The text of a UTF-8 file without NUL bytes, or null when it is not text. */
function utf8Text(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

function checkTextLength(label: string, text: string): void {
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
