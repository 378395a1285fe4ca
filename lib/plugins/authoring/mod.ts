/**
 * Plugin authoring: `rungpt plugin new | build | run | check`.
 *
 * @example
 * ```ts
 * import { buildPlugin, checkPlugin, newPlugin, runPluginAction } from "./authoring/mod.ts";
 * const { dir } = await newPlugin("hello");
 * await buildPlugin(dir);
 * await checkPlugin(dir);
 * console.log(await runPluginAction(dir, "greet", '{"name":"Ada"}'));
 * ```
 * @module
 */
export { BuildError, buildPlugin, type BuildResult } from "./build.ts";
export { CheckError, checkPlugin, type CheckResult } from "./check.ts";
export { CommittedError, type CommittedState } from "./committed.ts";
export { RunError, type RunOptions, runPluginAction } from "./run.ts";
export { newPlugin, type NewPluginResult, ScaffoldError } from "./scaffold.ts";
export { AUTHORING_USAGE, runAuthoringCommand } from "./cli.ts";
export { sdkFiles, vendorSdk } from "./sdk.ts";
