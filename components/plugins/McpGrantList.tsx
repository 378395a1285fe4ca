/**
 * What an MCP server may touch, as its card and the add dialog show it: the paths it may read
 * and write, the hosts it may reach, the env variables it may read (a stored value shown only
 * as "value set, hidden"), its arguments, and what it never gets.
 * @module
 */
import type { McpServerView } from "../../lib/mcp/views.ts";

/** A list of code items, or "none". */
function Items({ items }: { items: readonly string[] }) {
  if (!items.length) return <span class="muted">none</span>;
  return (
    <ul>
      {items.map((i) => (
        <li key={i}>
          <code>{i}</code>
        </li>
      ))}
    </ul>
  );
}

/**
 * A definition list of a server's grants.
 *
 * @example
 * ```tsx
 * <McpGrantList server={view} />
 * ```
 */
export function McpGrantList({ server: s }: { server: McpServerView }) {
  return (
    <dl class="perm-list">
      <dt>Reads</dt>
      <dd>
        <Items items={s.read} />
      </dd>
      <dt>Writes</dt>
      <dd>
        <Items items={s.write} />
      </dd>
      <dt>Network hosts</dt>
      <dd>
        <Items items={s.net} />
      </dd>
      <dt>Environment</dt>
      <dd>
        {s.env.length
          ? (
            <ul>
              {s.env.map((e) => (
                <li key={e.name}>
                  <code>{e.name}</code>
                  <span class="muted">
                    {e.value === "stored" ? "value set, hidden" : "rungpt's own value"}
                  </span>
                </li>
              ))}
            </ul>
          )
          : <span class="muted">none</span>}
      </dd>
      {s.headers.length > 0 && (
        <>
          <dt>Headers</dt>
          <dd>
            <ul>
              {s.headers.map((h) => (
                <li key={h}>
                  <code>{h}</code> <span class="muted">value set, hidden</span>
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      <dt>Arguments</dt>
      <dd>
        {s.args.length
          ? <code class="mcp-args">{s.args.map((a) => JSON.stringify(a)).join(" ")}</code>
          : <span class="muted">none</span>}
      </dd>
      {!s.unsandboxed && (
        <>
          <dt>Never</dt>
          <dd>running programs, FFI, system information</dd>
        </>
      )}
    </dl>
  );
}

/** The prominent warnings a server's view may carry (running unsandboxed, or its own). */
export function McpWarnings({ server: s }: { server: McpServerView }) {
  if (!s.unsandboxed && !s.warning) return null;
  return (
    <div class="notice notice-error mcp-warning" role="note">
      {s.unsandboxed && (
        <p>
          <strong>Not sandboxed:</strong>{" "}
          it runs with your full rights: it can read, change and send anything you can.
        </p>
      )}
      {s.warning && <p>{s.warning}</p>}
    </div>
  );
}
