/**
 * The access token API clients present to the local server (`Authorization: Bearer ...`).
 * @module
 */
import { UserError } from "../errors.ts";
import { createHash, timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import { ensureDir, type Env } from "./paths.ts";
import { FileTooLargeError, readSmallTextFile } from "./small_file.ts";

/** File name of the token inside the data directory. */
export const API_TOKEN_FILE = "api-token";

/** Prefix of generated tokens, so a leaked one is recognisable. */
export const API_TOKEN_PREFIX = "rgt_";

/** A missing, unreadable or malformed token; the message says what to fix. */
export class TokenError extends UserError {
  override name = "TokenError";
}

// Printable ASCII without spaces, and long enough not to be guessable.
const VALID_TOKEN = /^[\x21-\x7e]{16,512}$/;

/**
 * The server's API token: `RUNGPT_API_TOKEN` if set; else the one stored in
 * `<dataDir>/api-token`; else a new one (`rgt_` + 32 random bytes, base64url) written there
 * with mode 0600, creating the data directory (mode 0700) on a machine that has none yet.
 * Creation is atomic, so two processes starting at once agree on one token.
 *
 * @throws {TokenError} naming the file or variable when the stored token is malformed.
 *
 * @example
 * ```ts
 * const token = await loadOrCreateApiToken(defaultDataDir());
 * ```
 */
export async function loadOrCreateApiToken(
  dataDir: string,
  env: Env = Deno.env.toObject(),
): Promise<string> {
  const fromEnv = env.RUNGPT_API_TOKEN?.trim();
  if (fromEnv) {
    if (!VALID_TOKEN.test(fromEnv)) {
      throw new TokenError(
        "RUNGPT_API_TOKEN must be 16 to 512 printable characters without spaces",
      );
    }
    return fromEnv;
  }
  const file = join(dataDir, API_TOKEN_FILE);
  const existing = await readToken(file);
  if (existing !== null) return existing;

  const token = generateApiToken();
  await ensureDir(dataDir);
  // Write a private temporary file, then hard-link it into place: link fails if the file
  // appeared meanwhile, and readers never see a half-written token.
  const tmp = `${file}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(tmp, token + "\n", { mode: 0o600, createNew: true });
    if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o600);
    try {
      await Deno.link(tmp, file);
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      const winner = await readToken(file);
      if (winner !== null) return winner;
      // The file exists but is empty (e.g. truncated by hand): replace it.
      await Deno.rename(tmp, file);
    }
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
  return token;
}

/**
 * A fresh token: `rgt_` followed by 32 random bytes in base64url (43 characters).
 *
 * @example
 * ```ts
 * generateApiToken(); // => "rgt_3q2-7wE..."
 * ```
 */
export function generateApiToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const b64 = btoa(String.fromCharCode(...bytes));
  return API_TOKEN_PREFIX + b64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Compares two tokens in constant time, so a client cannot find the token byte by byte by
 * timing. Both sides are hashed first: `timingSafeEqual` needs equal lengths, and the hashes
 * do not reveal the token's length either.
 *
 * @example
 * ```ts
 * tokensEqual(presented, token); // => true or false
 * ```
 */
export function tokensEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Reads a stored token; `null` when the file is missing or empty. */
/** The largest token file read: a token is at most 512 characters. */
const MAX_TOKEN_FILE_BYTES = 4096;

async function readToken(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readSmallTextFile(file, MAX_TOKEN_FILE_BYTES);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    if (err instanceof FileTooLargeError) {
      throw new TokenError(
        `API token file ${file} is larger than ${MAX_TOKEN_FILE_BYTES} bytes, so it holds no ` +
          `token; delete it to generate a new token`,
      );
    }
    throw new TokenError(`cannot read API token file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const token = text.trim();
  if (token === "") return null;
  if (!VALID_TOKEN.test(token)) {
    throw new TokenError(
      `API token file ${file} is malformed (want 16 to 512 printable characters without ` +
        `spaces); delete it to generate a new token`,
    );
  }
  return token;
}
