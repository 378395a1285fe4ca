// The last error of an SDK call that can fail (host APIs, JSON parsing, base64).
// AssemblyScript has no exceptions: such calls return null or false and set this message.

let last: string = "";

/** The message of the most recent failed SDK call. */
export function lastError(): string {
  return last;
}

/** Records `message` as the last error. Used by the SDK; plugins rarely need it. */
export function setLastError(message: string): void {
  last = message;
}
