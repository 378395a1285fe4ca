/**
 * The consent dialog of adding an MCP server: exactly what it will get, as the server checked
 * it (the preview of `POST /api/mcp`), with "Add" and "Cancel", in a {@linkcode ModalDialog}.
 * @module
 */
import type { McpServerView } from "../../lib/mcp/views.ts";
import { McpGrantList, McpWarnings } from "./McpGrantList.tsx";
import { ModalDialog } from "./ModalDialog.tsx";

/** Props of {@linkcode McpConsentDialog}. */
export interface McpConsentDialogProps {
  preview: McpServerView;
  busy: boolean;
  onAnswer(add: boolean): void;
}

/** Asks the user to agree to what an MCP server may touch. */
export function McpConsentDialog({ preview: p, busy, onAnswer }: McpConsentDialogProps) {
  return (
    <ModalDialog
      id="mcp-consent"
      title={`Add MCP server ${p.name}?`}
      intro={p.unsandboxed
        ? "It runs outside the sandbox, with your full rights."
        : "It runs under Deno with only these permissions; anything else it tries, Deno refuses:"}
      confirmLabel="Add"
      busy={busy}
      onAnswer={onAnswer}
    >
      <p class="consent-origin">
        <code>{p.source}</code>
      </p>
      <McpWarnings server={p} />
      <McpGrantList server={p} />
      <p class="muted">
        {p.trustReadOnly
          ? "Its tools ask before every call, except those it says are read-only."
          : "Its tools ask before every call (until you choose Always allow)."}
      </p>
    </ModalDialog>
  );
}
