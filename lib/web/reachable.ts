/**
 * Where other machines reach a server bound to all interfaces: one URL per address of this
 * machine's network interfaces, so the printed login link works from a phone or a laptop.
 * @module
 */
import { isLoopbackHost, isWildcardHost } from "./security.ts";

/** The part of `Deno.NetworkInterfaceInfo` this module reads. */
export type InterfaceAddress = Pick<Deno.NetworkInterfaceInfo, "family" | "address">;

/**
 * This machine's interface addresses; none when they cannot be read (no
 * `--allow-sys=networkInterfaces`), in which case only the loopback link is printed.
 */
export function interfaceAddresses(): InterfaceAddress[] {
  try {
    return Deno.networkInterfaces();
  } catch {
    return [];
  }
}

/**
 * The base URLs (`http://addr:port/`) of a server bound to `hostname` as seen from other
 * machines: for a wildcard bind, each non-loopback address (IPv4 only for `0.0.0.0`; IPv6 too
 * for `::`, without link-local ones, which need a zone to be used); none for any other bind,
 * whose own URL already says where it is.
 *
 * @example
 * ```ts
 * externalUrls("0.0.0.0", 8000, [{ family: "IPv4", address: "192.168.1.5" }]);
 * // => ["http://192.168.1.5:8000/"]
 * ```
 */
export function externalUrls(
  hostname: string,
  port: number,
  addresses: InterfaceAddress[] = interfaceAddresses(),
): string[] {
  if (!isWildcardHost(hostname)) return [];
  const withV6 = hostname !== "0.0.0.0";
  const urls = new Set<string>();
  for (const { family, address } of addresses) {
    if (isLoopbackHost(address) || address.startsWith("::ffff:127.")) continue;
    if (family === "IPv4") urls.add(`http://${address}:${port}/`);
    else if (withV6 && family === "IPv6" && !/^fe[89ab]/i.test(address)) {
      urls.add(`http://[${address}]:${port}/`);
    }
  }
  return [...urls];
}
