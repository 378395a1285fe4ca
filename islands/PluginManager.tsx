/**
 * The plugin manager page (/plugins): the catalogue of plugins ready to install, installed
 * plugins as compact cards; install and update jobs with live progress and a consent dialog.
 * Runs the flow of the `/api/plugins` endpoints: start a job, follow its events, answer its
 * consent question, then reload the list. A job still running when the page opens (a consent
 * left unanswered) is followed again, its question asked again.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { Catalogue } from "../lib/plugins/catalogue.ts";
import type { PluginView } from "../lib/plugins/views.ts";
import {
  answerJob,
  applyJobEvent,
  isActive,
  jobTitle,
  type JobView,
  newJob,
  resetJob,
} from "../lib/ui/plugin_job.ts";
import {
  answerConsent,
  cancelJob,
  followJob,
  type JobRequest,
  listPlugins,
  removePlugin,
  savePluginQuota,
  savePluginSettings,
  setPluginEnabled,
  startJob,
} from "../lib/ui/plugins_api.ts";
import { CatalogueList } from "../components/plugins/CatalogueList.tsx";
import { ConsentDialog } from "../components/plugins/ConsentDialog.tsx";
import { InstallForm } from "../components/plugins/InstallForm.tsx";
import { JobStatus } from "../components/plugins/JobStatus.tsx";
import { PluginCard } from "../components/plugins/PluginCard.tsx";
import { McpServers, type McpServersProps } from "../components/plugins/McpServers.tsx";

/** Props of the PluginManager island (all JSON). */
export interface PluginManagerProps {
  plugins: PluginView[];
  mcp: McpServersProps;
  catalogue: Catalogue;
  /** A job that was running when the page was rendered, to follow again. */
  resume: { id: string; title: string } | null;
}

/** The whole /plugins page. */
export default function PluginManager(props: PluginManagerProps) {
  const plugins = useSignal(props.plugins);
  const job = useSignal<JobView | null>(null);
  const answering = useSignal(false);
  const notice = useSignal<{ text: string; error: boolean } | null>(null);
  const stopFollowing = useRef<(() => void) | null>(null);

  /** Changes the shown job, unless the user dismissed it or started another meanwhile. */
  const updateJob = (id: string | null, fn: (j: JobView) => JobView) => {
    const current = job.peek();
    if (current && current.id === id) job.value = fn(current);
  };

  const refresh = async () => {
    try {
      plugins.value = await listPlugins();
    } catch (e) {
      notice.value = { text: (e as Error).message, error: true };
    }
  };

  const replace = (view: PluginView) => {
    plugins.value = plugins.value.map((p) => (p.name === view.name ? view : p));
  };

  const start = async (request: JobRequest) => {
    stopFollowing.current?.();
    notice.value = null;
    job.value = newJob(jobTitle(request));
    let id: string;
    try {
      id = await startJob(request);
    } catch (e) {
      updateJob(null, (j) => ({ ...j, phase: "error", message: (e as Error).message }));
      return;
    }
    follow(id);
  };

  /** Shows job `id` (the current one) as its events arrive, replayed from its start. */
  const follow = (id: string) => {
    updateJob(null, (j) => ({ ...j, id }));
    stopFollowing.current = followJob(id, {
      onReset: () => updateJob(id, resetJob),
      onEvent: (event) => {
        updateJob(id, (j) => applyJobEvent(j, event));
        if (event.type === "done") void refresh();
      },
      onConnectionError: (gaveUp) => {
        if (!gaveUp) return; // EventSource reconnects; the server replays the job.
        updateJob(id, (j) => ({
          ...j,
          phase: "error",
          message: "Lost the connection to this job. Reload the page to see what was installed.",
        }));
      },
    });
  };

  useEffect(() => {
    if (props.resume) {
      job.value = newJob(props.resume.title);
      follow(props.resume.id);
    }
    return () => stopFollowing.current?.();
  }, []);

  const answer = async (allow: boolean) => {
    const id = job.peek()?.id ?? null;
    if (!id) return;
    answering.value = true;
    // Record the answer first: the job's outcome may arrive before the POST returns.
    updateJob(id, (j) => answerJob(j, allow));
    try {
      await answerConsent(id, allow);
    } catch (e) {
      updateJob(id, (j) => ({ ...j, phase: "error", message: (e as Error).message }));
    } finally {
      answering.value = false;
    }
  };

  const cancel = async () => {
    const id = job.peek()?.id ?? null;
    if (!id) return;
    // Like "deny": the job's error that follows is the expected outcome.
    updateJob(id, (j) => answerJob(j, false));
    await cancelJob(id).catch(() => {}); // it may have finished meanwhile
  };

  const current = job.value;
  const running = isActive(current);
  return (
    <main class="settings-page plugins-page">
      <div class="plugins-wrap">
        <nav class="plugins-nav" aria-label="Pages">
          <a href="/" class="back-link">← Back to chat</a>
          <a href="/settings">Settings</a>
        </nav>
        <h1>Plugins</h1>
        <p class="hint">
          Plugins add actions the model can call. Each runs sandboxed in WebAssembly and gets only
          the APIs, hosts and files listed on its card.
        </p>

        <CatalogueList
          entries={props.catalogue.entries}
          problems={props.catalogue.problems}
          installed={plugins.value.map((p) => p.name)}
          busy={running}
          onInstall={(entry) => void start({ action: "install", spec: entry.source })}
        />

        <div class="settings-card">
          <InstallForm
            busy={running}
            onInstall={(spec, allowPrivateNetwork) =>
              void start({ action: "install", spec, allowPrivateNetwork })}
          />
          {current && (
            <JobStatus
              job={current}
              onDismiss={() => (job.value = null)}
              onCancel={() => void cancel()}
            />
          )}
        </div>
        {current?.phase === "consent" && current.consent && (
          <ConsentDialog
            key={current.id}
            summary={current.consent}
            busy={answering.value}
            onAnswer={(allow) => void answer(allow)}
          />
        )}

        {notice.value && (
          <div
            class={`notice ${notice.value.error ? "notice-error" : "notice-ok"}`}
            role={notice.value.error ? "alert" : "status"}
          >
            <span>{notice.value.text}</span>
          </div>
        )}

        <div class="plugin-list">
          {plugins.value.length === 0 && (
            <p class="muted empty-plugins">
              No plugins installed yet. Install one from the list above, or any repository with its
              {" "}
              <code>user/repo</code>.
            </p>
          )}
          {plugins.value.map((p) => (
            <PluginCard
              key={p.name}
              plugin={p}
              jobRunning={running}
              onToggle={async (enabled) => replace(await setPluginEnabled(p.name, enabled))}
              onSaveSettings={async (values) => replace(await savePluginSettings(p.name, values))}
              onSaveQuota={async (quota) => replace(await savePluginQuota(p.name, quota))}
              onRemove={async () => {
                await removePlugin(p.name);
                plugins.value = plugins.value.filter((q) => q.name !== p.name);
                notice.value = { text: `Removed ${p.name}.`, error: false };
              }}
              onUpdate={() => void start({ action: "update", name: p.name })}
            />
          ))}
        </div>

        <McpServers {...props.mcp} />
      </div>
    </main>
  );
}
