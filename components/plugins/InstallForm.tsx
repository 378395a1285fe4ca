/**
 * The install form: a source field (`user/repo[@ref]`, a GitHub URL, a folder's path), the "Allow private network addresses" grant,
 * and "Install plugin". The server validates the spec; its message is shown as is.
 * @module
 */
import { useSignal } from "@preact/signals";

/** Props of {@linkcode InstallForm}. */
export interface InstallFormProps {
  /** True while a job runs (one at a time). */
  busy: boolean;
  onInstall(spec: string, allowPrivateNetwork: boolean): void;
}

/** The form at the top of /plugins. */
export function InstallForm({ busy, onInstall }: InstallFormProps) {
  const spec = useSignal("");
  const allowPrivate = useSignal(false);
  return (
    <form
      class="install-form"
      aria-labelledby="install-title"
      onSubmit={(e) => {
        e.preventDefault();
        const s = spec.value.trim();
        if (s && !busy) onInstall(s, allowPrivate.value);
      }}
    >
      <h2 id="install-title">Install a plugin</h2>
      <label for="plugin-spec">Plugin repository</label>
      <div class="field-row">
        <input
          id="plugin-spec"
          name="spec"
          spellcheck={false}
          autocomplete="off"
          required
          placeholder="user/repo, https://github.com/user/repo or /path/to/folder"
          value={spec.value}
          onInput={(e) => (spec.value = e.currentTarget.value)}
        />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Install plugin
        </button>
      </div>
      <p class="hint">
        A GitHub repository (<code>user/repo</code>{" "}
        or its URL), or the absolute path of a folder on this machine, with a{" "}
        <code>rungpt.yaml</code>. Without{" "}
        <code>@ref</code>, its highest version tag. You will see what it asks for before anything is
        installed.
      </p>
      <label class="check">
        <input
          type="checkbox"
          checked={allowPrivate.value}
          onChange={(e) => (allowPrivate.value = e.currentTarget.checked)}
        />
        Allow private network addresses
      </label>
      <p class="hint">
        Only for plugins that talk to services on this machine or your local network.
      </p>
    </form>
  );
}
