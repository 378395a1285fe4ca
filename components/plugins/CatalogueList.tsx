/**
 * "Available plugins": the catalogue's entries (lib/plugins/catalogue.ts), each with what it
 * may touch and an Install button. A folder's permissions come from its own manifest; a GitHub
 * entry shows the catalogue's words, marked as such, since the consent dialog shows the real
 * list before anything is installed.
 * @module
 */
import type { CatalogueEntry } from "../../lib/plugins/catalogue.ts";
import { PermissionBadges } from "./PermissionBadges.tsx";

/** Props of {@linkcode CatalogueList}. */
export interface CatalogueListProps {
  entries: CatalogueEntry[];
  /** Catalogue files that could not be read, one line each. */
  problems: string[];
  /** Names of the installed plugins: their entries say so instead of offering Install. */
  installed: string[];
  /** True while a job runs (one at a time). */
  busy: boolean;
  onInstall(entry: CatalogueEntry): void;
}

/** The catalogue section at the top of /plugins. */
export function CatalogueList(props: CatalogueListProps) {
  return (
    <section class="settings-card catalogue" aria-labelledby="catalogue-title">
      <h2 id="catalogue-title">Available plugins</h2>
      <p class="hint">
        Ready to install. Each lists what it may touch; you confirm before anything is installed.
      </p>
      {props.problems.map((p) => <p key={p} class="notice notice-error" role="alert">{p}</p>)}
      {props.entries.length === 0 && <p class="muted">The catalogue is empty.</p>}
      <ul class="catalogue-list">
        {props.entries.map((e) => {
          const installed = props.installed.includes(e.name);
          const titleId = `catalogue-${e.name}`;
          return (
            <li key={e.name} class="catalogue-entry" aria-labelledby={titleId}>
              <div class="catalogue-text">
                <h3 id={titleId}>{e.name}</h3>
                <p class="plugin-desc">{e.description}</p>
                {e.access && <PermissionBadges {...e.access} />}
                {!e.access && e.permissions && (
                  <p class="muted">May touch (as the catalogue says): {e.permissions}</p>
                )}
                {e.problem && <p class="notice notice-error">Cannot install: {e.problem}</p>}
                <p class="muted catalogue-source">
                  <code>{e.source}</code>
                </p>
              </div>
              <button
                type="button"
                class="btn btn-primary"
                aria-label={installed ? `${e.name} is installed` : `Install ${e.name}`}
                disabled={installed || props.busy || e.problem !== null}
                onClick={() => props.onInstall(e)}
              >
                {installed ? "Installed" : "Install"}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
