/**
 * Command-line parsing for every `rungpt` command: `node:util` `parseArgs`, with its errors
 * turned into a {@linkcode UsageError} that names the argument.
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "../errors.ts";

/**
 * Parses `args` against `options` (strict: unknown options and missing values are errors);
 * positionals are allowed and `--` ends the options.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommandArgs(["w", "--yes"], { yes: { type: "boolean" } });
 * ```
 */
export function parseCommandArgs<const T extends ParseArgsOptionsConfig>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true as const });
  } catch (e) {
    // node's message goes on with advice about `--`; the first sentence names the argument.
    throw new UsageError((e as Error).message.split(/\.\s/)[0]);
  }
}
