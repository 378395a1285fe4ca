/**
 * The limits on attachments, one place for the server (which enforces them) and the composer
 * (which shows them before they are hit). Constants only: the browser bundle imports this.
 * @module
 */

/** Largest file accepted, in bytes, before any resizing. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Most files one message carries. */
export const MAX_FILES_PER_MESSAGE = 8;
/** Most bytes the files of one message (or one upload) add up to. */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** Longest side of an image as the model gets it; larger images are scaled down. */
export const MAX_IMAGE_SIDE = 2048;
/** Largest image decoded, in pixels: a small file can claim a huge canvas. */
export const MAX_IMAGE_PIXELS = 40_000_000;
/** Longest time reading one image or PDF may take (in a worker, ended then). */
export const CONVERT_TIME_LIMIT_MS = 30_000;
/** Most characters of text one file (text or PDF) may add to the prompt. */
export const MAX_TEXT_CHARS = 200_000;
/** What the file picker offers; the server decides by the bytes, not by this. */
export const ACCEPTED_FILES =
  "image/png,image/jpeg,application/pdf,text/*,.md,.txt,.csv,.json,.ts,.js,.py,.go,.rs,.c,.h," +
  ".cpp,.java,.rb,.sh,.yaml,.yml,.toml,.html,.css,.sql,.xml,.log";
