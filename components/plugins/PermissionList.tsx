/**
 * What a plugin may touch: the APIs it links, the hosts it may reach, the paths of its data
 * dir it may use and how much it may store there, and private network access. Used on each plugin's card and in the consent
 * dialog (where `added` marks what an update newly asks for).
 * @module
 */

import type { WHOLE_DATA_DIR } from "../../lib/plugins/consent.ts";
import { formatSize } from "../../lib/plugins/quota_size.ts";

/** The path of a grant of the whole data dir (`WHOLE_DATA_DIR`; a type-only import). */
const WHOLE: typeof WHOLE_DATA_DIR = ".";

/** A filesystem grant. */
export interface FsGrant {
  path: string;
  access: "read" | "read-write";
}

/** Props of {@linkcode PermissionList}. */
export interface PermissionListProps {
  apis: string[];
  hosts: string[];
  fs: FsGrant[];
  /** The most its data dir may hold, shown with the files when it has any. */
  quota?: { bytes: number; files: number } | null;
  allowPrivateNetwork: boolean;
  /** Secret settings it asks for (consent dialog only). */
  secrets?: string[];
  /** What is new in an update, marked "new". */
  added?: { apis: string[]; hosts: string[]; fs: FsGrant[]; secrets: string[] };
}

const API_NAMES: Record<string, string> = {
  "rungpt:fs": "files in its own data folder",
  "rungpt:net": "HTTP requests to the hosts below",
  "rungpt:config": "its own settings and stored state",
  "rungpt:log": "writing to its log",
};

function New({ show }: { show: boolean | undefined }) {
  return show ? <span class="badge badge-new">new</span> : null;
}

/**
 * A definition list of grants; "none" where a kind is empty.
 *
 * @example
 * ```tsx
 * <PermissionList apis={p.apis} hosts={p.hosts} fs={p.fs} allowPrivateNetwork={false} />
 * ```
 */
export function PermissionList(props: PermissionListProps) {
  const { added } = props;
  const none = <span class="muted">none</span>;
  return (
    <dl class="perm-list">
      <dt>APIs</dt>
      <dd>
        {props.apis.length
          ? (
            <ul>
              {props.apis.map((a) => (
                <li key={a}>
                  <code>{a}</code>
                  {API_NAMES[a] && <span class="muted">— {API_NAMES[a]}</span>}
                  <New show={added?.apis.includes(a)} />
                </li>
              ))}
            </ul>
          )
          : none}
      </dd>
      <dt>Network hosts</dt>
      <dd>
        {props.hosts.length
          ? (
            <ul>
              {props.hosts.map((h) => (
                <li key={h}>
                  <code>{h}</code>
                  <New show={added?.hosts.includes(h)} />
                </li>
              ))}
            </ul>
          )
          : none}
        {props.allowPrivateNetwork && (
          <p class="perm-warn">
            May also reach private and loopback addresses (this machine, your local network).
          </p>
        )}
      </dd>
      <dt>Files</dt>
      <dd>
        {props.fs.length
          ? (
            <ul>
              {props.fs.map((f) => (
                <li key={f.path}>
                  {f.path === WHOLE ? "its whole data folder" : <code>{f.path}</code>}{" "}
                  ({f.access === "read" ? "read only" : "read and write"})
                  <New show={added?.fs.some((g) => g.path === f.path)} />
                </li>
              ))}
            </ul>
          )
          : none}
        {props.quota && props.fs.length > 0 && (
          <p class="muted perm-quota">
            At most {formatSize(props.quota.bytes)} in {props.quota.files.toLocaleString("en")}{" "}
            files and folders
          </p>
        )}
      </dd>
      {props.secrets && (
        <>
          <dt>Secrets it asks for</dt>
          <dd>
            {props.secrets.length
              ? (
                <ul>
                  {props.secrets.map((s) => (
                    <li key={s}>
                      <code>{s}</code>
                      <New show={added?.secrets.includes(s)} />
                    </li>
                  ))}
                </ul>
              )
              : none}
          </dd>
        </>
      )}
    </dl>
  );
}
