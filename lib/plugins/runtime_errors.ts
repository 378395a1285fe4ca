/**
 * The one error type of the plugin runtime: every failed call, refused load and denied host
 * request becomes a {@link PluginError} with a machine-readable `kind`.
 * @module
 */

/** Why a plugin call or load failed. */
export type PluginErrorKind =
  | "timeout"
  | "memory"
  | "output_too_large"
  | "trap"
  | "plugin_error"
  | "denied"
  | "not_found"
  | "aborted"
  | "invalid";

/**
 * A plugin call, load or host request that failed; `message` says what and why.
 *
 * @example
 * ```ts
 * try {
 *   await callAction(plugin, "run", "{}");
 * } catch (e) {
 *   if (e instanceof PluginError && e.kind === "timeout") console.log("too slow");
 * }
 * ```
 */
export class PluginError extends Error {
  override name = "PluginError";
  /** The category of failure. */
  readonly kind: PluginErrorKind;
  /** The plugin concerned, when known. */
  readonly plugin?: string;

  constructor(kind: PluginErrorKind, message: string, plugin?: string) {
    super(plugin ? `plugin ${plugin}: ${message}` : message);
    this.kind = kind;
    this.plugin = plugin;
  }
}

/**
 * A host function that ended the call instead of answering (Extism's `http_request` refused or
 * failed): Extism stops the instance's worker when a host function throws, so the runtime
 * discards the instance.
 */
export class HostFunctionError extends PluginError {
  override name = "HostFunctionError";
}
