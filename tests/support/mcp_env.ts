/**
 * The environment a test gives rungpt so that the MCP servers it starts find Deno's cache
 * and reach the npm registry: the same variables as the test's own.
 * @module
 */

/**
 * What Deno needs to find its cache and reach the npm registry, from the test's environment.
 *
 * @example
 * ```ts
 * await using rg = await startRungpt({ model, env: denoEnv() });
 * ```
 */
export function denoEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "DENO_CERT", "NODE_EXTRA_CA_CERTS"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}
