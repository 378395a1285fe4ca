/**
 * Files to attach, made in the test: a one-page PDF with a line of text (written by hand,
 * PDF 1.4 with the standard Helvetica font), and JPEG/PNG images made with imagescript, the
 * JPEG with an EXIF block (a camera's make and a GPS tag) spliced in after its SOI marker.
 * @module
 */
import { Image } from "imagescript";

/** A valid one-page PDF showing `text` (ASCII, no parentheses or backslashes). */
export function pdfWithText(text: string): Uint8Array {
  const stream = `BT /F1 12 Tf 10 50 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 100] /Contents 4 0 R " +
    "/Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets = objects.map((o, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` +
    offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("") +
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

/** The marker text inside {@linkcode jpegWithExif}'s EXIF block, to look for afterwards. */
export const EXIF_MARKER = "RungptTestCamera";

/**
 * A `width`×`height` JPEG carrying an APP1 EXIF segment that names {@linkcode EXIF_MARKER} as
 * the camera and gives `orientation` (1: as stored; 6: to be turned 90° clockwise).
 */
export async function jpegWithExif(
  width: number,
  height: number,
  orientation = 1,
): Promise<Uint8Array> {
  const img = new Image(width, height);
  img.fill((x) => (x < width / 2 ? 0x3366ccff : 0xffcc00ff));
  const jpeg = await img.encodeJPEG(80);
  // TIFF header (big-endian), two IFD entries: Make (0x010f, ASCII, stored past the IFD) and
  // Orientation (0x0112, SHORT, in the entry itself).
  const make = new TextEncoder().encode(`${EXIF_MARKER}\0`);
  const ifdEnd = 8 + 2 + 2 * 12 + 4;
  const tiff = new Uint8Array(ifdEnd + make.length);
  const v = new DataView(tiff.buffer);
  tiff.set([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]);
  v.setUint16(8, 2);
  v.setUint16(10, 0x010f);
  v.setUint16(12, 2);
  v.setUint32(14, make.length);
  v.setUint32(18, ifdEnd);
  v.setUint16(22, 0x0112);
  v.setUint16(24, 3);
  v.setUint32(26, 1);
  v.setUint16(30, orientation);
  v.setUint32(34, 0);
  tiff.set(make, ifdEnd);
  const body = new Uint8Array([...new TextEncoder().encode("Exif\0\0"), ...tiff]);
  const app1 = new Uint8Array([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]);
  return new Uint8Array([...jpeg.subarray(0, 2), ...app1, ...body, ...jpeg.subarray(2)]);
}

/** A small PNG. */
export async function png(width: number, height: number): Promise<Uint8Array> {
  const img = new Image(width, height);
  img.fill(0x22aa44ff);
  return await img.encode();
}

/** Whether `bytes` contain `text` (as ASCII). */
export function containsAscii(bytes: Uint8Array, text: string): boolean {
  return new TextDecoder("latin1").decode(bytes).includes(text);
}
