/**
 * The MCP servers part of /plugins: the servers with their state (refreshed while one is
 * starting), the add form, and its consent dialog showing what the server checked the form
 * grants. Rendered inside the PluginManager island; its calls are in lib/ui/mcp_api.ts.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { McpServerView } from "../../lib/mcp/views.ts";
import { ApiError } from "../../lib/ui/api.ts";
import {
  addMcpServer,
  listMcpServers,
  previewMcpServer,
  removeMcpServer,
  setMcpServerEnabled,
  startMcpServer,
} from "../../lib/ui/mcp_api.ts";
import {
  EMPTY_MCP_FORM,
  formField,
  formInput,
  McpFormError,
  type McpFormField,
} from "../../lib/ui/mcp_form.ts";
import { McpAddForm } from "./McpAddForm.tsx";
import { McpConsentDialog } from "./McpConsentDialog.tsx";
import { McpServerCard } from "./McpServerCard.tsx";

/** Props of {@linkcode McpServers}. */
export interface McpServersProps {
  servers: McpServerView[];
  /** Why the servers cannot be listed (a broken mcp.json), if so. */
  error?: string | null;
}

const POLL_MS = 1000;

/** The "MCP servers" section. */
export function McpServers(props: McpServersProps) {
  const servers = useSignal(props.servers);
  const listError = useSignal(props.error ?? null);
  const fields = useSignal(EMPTY_MCP_FORM);
  const formError = useSignal<{ field: McpFormField | null; message: string } | null>(null);
  const preview = useSignal<McpServerView | null>(null);
  const busy = useSignal(false);
  const notice = useSignal<string | null>(null);

  const refresh = async () => {
    try {
      servers.value = await listMcpServers();
      listError.value = null;
    } catch (e) {
      listError.value = (e as Error).message;
    }
  };
  const replace = (view: McpServerView) => {
    servers.value = servers.value.map((s) => (s.name === view.name ? view : s));
  };

  // While one starts, ask again until it is connected or failed.
  const starting = servers.value.some((s) => s.state === "starting");
  useEffect(() => {
    if (!starting) return;
    const timer = setTimeout(() => void refresh(), POLL_MS);
    return () => clearTimeout(timer);
  }, [servers.value]);

  // A wrong field gets the focus, so the keyboard lands where the fix is.
  useEffect(() => {
    const field = formError.value?.field;
    if (field) document.getElementById(`mcp-${field}`)?.focus();
  }, [formError.value]);

  /** Runs a form step; its error is shown on the form, naming the field. */
  const step = async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    busy.value = true;
    formError.value = null;
    notice.value = null;
    try {
      return await fn();
    } catch (e) {
      const field = e instanceof McpFormError
        ? e.field
        : e instanceof ApiError
        ? formField(e.kind)
        : null;
      formError.value = { field, message: (e as Error).message };
    } finally {
      busy.value = false;
    }
  };

  // The dialog opens once the step is over: its buttons are enabled, so Cancel takes the focus.
  const review = async () => {
    preview.value = (await step(() => previewMcpServer(formInput(fields.value)))) ?? null;
  };

  const answer = async (add: boolean) => {
    const added = add ? await step(() => addMcpServer(formInput(fields.value))) : undefined;
    preview.value = null; // Refused (e.g. the name was taken meanwhile): the form says why.
    if (!added) return;
    fields.value = EMPTY_MCP_FORM;
    servers.value = [...servers.value.filter((s) => s.name !== added.name), added]
      .sort((a, b) => a.name.localeCompare(b.name));
    notice.value = `Added MCP server ${added.name}.`;
  };

  return (
    <section class="mcp-servers" aria-labelledby="mcp-title">
      <h2 id="mcp-title" class="section-title">MCP servers</h2>
      <p class="hint">
        MCP servers from npm add their tools as actions. Each runs under Deno with only the files,
        hosts and environment variables you grant it; its tools ask before every call.
      </p>
      {listError.value && <p class="notice notice-error" role="alert">{listError.value}</p>}
      {notice.value && <p class="notice notice-ok" role="status">{notice.value}</p>}
      <div class="plugin-list">
        {servers.value.length === 0 && !listError.value && (
          <p class="muted empty-plugins">No MCP servers yet. Add one below.</p>
        )}
        {servers.value.map((s) => (
          <McpServerCard
            key={s.name}
            server={s}
            onToggle={async (enabled) => replace(await setMcpServerEnabled(s.name, enabled))}
            onStart={async () => replace(await startMcpServer(s.name))}
            onRemove={async () => {
              await removeMcpServer(s.name);
              servers.value = servers.value.filter((x) => x.name !== s.name);
              notice.value = `Removed MCP server ${s.name}.`;
            }}
          />
        ))}
      </div>
      <div class="settings-card">
        <McpAddForm
          fields={fields}
          error={formError.value}
          busy={busy.value}
          onReview={() => void review()}
        />
      </div>
      {preview.value && (
        <McpConsentDialog
          key={preview.value.name}
          preview={preview.value}
          busy={busy.value}
          onAnswer={(add) => void answer(add)}
        />
      )}
    </section>
  );
}
