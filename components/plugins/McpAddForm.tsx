/**
 * The "Add an MCP server" form: name, source (npm or a remote URL), what it may read, write and
 * reach, which env it may read or gets a value for, a remote server's headers, its arguments,
 * and whether its read-only tools may run
 * without asking. "Review…" asks the server what that grants (the consent dialog follows);
 * a field the server finds wrong is marked and named.
 * @module
 */
import type { Signal } from "@preact/signals";
import type { McpFormField, McpFormFields } from "../../lib/ui/mcp_form.ts";

/** Props of {@linkcode McpAddForm}. */
export interface McpAddFormProps {
  fields: Signal<McpFormFields>;
  /** The field an error is about, and the error. */
  error: { field: McpFormField | null; message: string } | null;
  busy: boolean;
  onReview(): void;
}

interface FieldSpec {
  key: Exclude<McpFormField, "trustReadOnly">;
  label: string;
  hint: string;
  placeholder?: string;
  multiline?: boolean;
}

const FIELDS: FieldSpec[] = [
  {
    key: "name",
    label: "Name",
    hint: "a-z, 0-9, _ and -; not a plugin's name.",
    placeholder: "memory",
  },
  {
    key: "source",
    label: "Source",
    hint: "A stdio server on npm, npm:<package>[@version], or a remote server's https:// URL.",
    placeholder: "npm:@modelcontextprotocol/server-memory",
  },
  {
    key: "read",
    label: "Read paths",
    hint: "Absolute paths it may read, one per line.",
    multiline: true,
  },
  {
    key: "write",
    label: "Write paths",
    hint: "Absolute paths it may write (writing does not include reading), one per line.",
    multiline: true,
  },
  {
    key: "net",
    label: "Network hosts",
    hint: "Hosts it may connect to, optionally host:port, one per line.",
    multiline: true,
  },
  {
    key: "envNames",
    label: "Environment variables it may read",
    hint: "Names; it reads the values rungpt has.",
    multiline: true,
  },
  {
    key: "envValues",
    label: "Environment values",
    hint: "NAME=VALUE, one per line: passed to it and stored, never shown again.",
    multiline: true,
  },
  {
    key: "headers",
    label: "Headers (remote servers)",
    hint:
      "Name: value, one per line (e.g. Authorization): sent only to it, stored, never shown again.",
    multiline: true,
  },
  { key: "args", label: "Server arguments", hint: "One per line.", multiline: true },
];

/** The form below the MCP servers. */
export function McpAddForm({ fields, error, busy, onReview }: McpAddFormProps) {
  const set = (
    key: McpFormField,
    value: string | boolean,
  ) => (fields.value = { ...fields.value, [key]: value });
  return (
    <form
      class="install-form mcp-add-form"
      aria-labelledby="mcp-add-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy) onReview();
      }}
    >
      <h2 id="mcp-add-title">Add an MCP server</h2>
      {FIELDS.map((f) => {
        const id = `mcp-${f.key}`;
        const wrong = error?.field === f.key;
        const props = {
          id,
          name: f.key,
          spellcheck: false,
          autocomplete: "off",
          placeholder: f.placeholder,
          "aria-invalid": wrong || undefined,
          "aria-describedby": wrong ? `${id}-hint mcp-add-error` : `${id}-hint`,
          value: fields.value[f.key],
          onInput: (e: Event) => set(f.key, (e.currentTarget as HTMLInputElement).value),
        };
        return (
          <div class="mcp-field" key={f.key}>
            <label for={id}>{f.label}</label>
            {f.multiline ? <textarea rows={2} {...props} /> : <input {...props} />}
            <p class="hint" id={`${id}-hint`}>{f.hint}</p>
          </div>
        );
      })}
      <label class="check">
        <input
          type="checkbox"
          name="trustReadOnly"
          checked={fields.value.trustReadOnly}
          onChange={(e) => set("trustReadOnly", e.currentTarget.checked)}
        />
        Trust read-only tools
      </label>
      <p class="hint">
        Tools the server says are read-only (and not destructive) run without asking; the others ask
        before every call.
      </p>
      {error && <p class="notice notice-error" role="alert" id="mcp-add-error">{error.message}</p>}
      <button type="submit" class="btn btn-primary" disabled={busy}>Review and add…</button>
    </form>
  );
}
