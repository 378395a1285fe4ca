/**
 * What a plugin may touch, as a row of short badges: the hosts it may reach, its files, its
 * settings and log, secrets it asks for, and any other plugin's API. Used on the compact
 * plugin cards and in the catalogue; the full list (`PermissionList`) is one click away.
 * @module
 */
import type { FsGrant } from "./PermissionList.tsx";

/** Props of {@linkcode PermissionBadges}. */
export interface PermissionBadgesProps {
  apis: string[];
  hosts: string[];
  fs: FsGrant[];
  secrets?: string[];
  allowPrivateNetwork?: boolean;
}

/** The words for the built-in APIs whose reach is not listed by another badge. */
const SIMPLE_APIS: Record<string, string> = {
  "rungpt:config": "its settings",
  "rungpt:log": "its log",
};

/** One badge per thing it may touch, or "nothing outside its sandbox". */
export function permissionBadges(p: PermissionBadgesProps): string[] {
  const fs = p.fs.some((f) => f.access === "read-write") ? "read-write" : "read";
  return [
    ...p.hosts.map((h) => `web: ${h}`),
    ...(p.allowPrivateNetwork ? ["private network"] : []),
    ...(p.fs.length ? [`files (${fs})`] : []),
    ...(p.secrets ?? []).map((s) => `secret: ${s}`),
    ...p.apis.flatMap((a) =>
      SIMPLE_APIS[a] ?? (a === "rungpt:net" || a === "rungpt:fs" ? [] : [`uses ${a}`])
    ),
  ];
}

/**
 * @example
 * ```tsx
 * <PermissionBadges apis={["rungpt:net"]} hosts={["api.open-meteo.com"]} fs={[]} />
 * ```
 */
export function PermissionBadges(props: PermissionBadgesProps) {
  const badges = permissionBadges(props);
  return (
    <ul class="perm-badges" aria-label="May touch">
      {badges.length
        ? badges.map((b) => (
          <li
            key={b}
            class={`badge${b.startsWith("web:") || b === "private network" ? " badge-net" : ""}`}
          >
            {b}
          </li>
        ))
        : <li class="badge badge-none">nothing outside its sandbox</li>}
    </ul>
  );
}
