/**
 * The sidebar: "New chat", search across all messages, and the conversation list, grouped by
 * date with pinned chats on top, with pin, inline rename and delete (with confirmation). A
 * drawer on small screens.
 * @module
 */
import { useSignal } from "@preact/signals";
import type { Signal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { Conversation, SearchHit } from "../../lib/store/types.ts";
import { search } from "../../lib/ui/api.ts";
import { debounce, displayTitle, relativeTime } from "../../lib/ui/format.ts";
import { groupByDate } from "../../lib/ui/date_groups.ts";
import { snippetParts } from "../../lib/ui/snippet.ts";
import { stripMarkdown } from "../../lib/ui/plain_text.ts";
import { Icon } from "../Icon.tsx";
import { InlineEdit } from "./InlineEdit.tsx";
import { lostFocus } from "../../lib/ui/focus.ts";

/** Props of {@linkcode Sidebar}. */
export interface SidebarProps {
  conversations: Signal<Conversation[]>;
  currentId: string | null;
  open: Signal<boolean>;
  onNew(): void;
  /**
   * Opens a conversation; `messageId` scrolls to that message, and to the search's matched
   * `terms` in it.
   */
  onOpen(id: string, messageId?: string, terms?: string[]): void;
  onRename(id: string, title: string): void;
  onPin(id: string, pinned: boolean): void;
  onDelete(id: string): void;
}

/** The navigation column. */
export function Sidebar(props: SidebarProps) {
  const { conversations, currentId, open } = props;
  const query = useSignal("");
  const hits = useSignal<SearchHit[] | null>(null);
  const searchError = useSignal<string | null>(null);
  const renaming = useSignal<string | null>(null);
  const confirming = useSignal<string | null>(null);

  const runSearch = useMemo(() =>
    debounce(async (q: string) => {
      try {
        const found = await search(q);
        if (query.peek().trim() === q) {
          hits.value = found;
          searchError.value = null;
        }
      } catch (e) {
        if (query.peek().trim() === q) searchError.value = (e as Error).message;
      }
    }, 250), []);
  useEffect(() => () => runSearch.cancel(), []);

  const onQuery = (q: string) => {
    query.value = q;
    const t = q.trim();
    if (!t) {
      runSearch.cancel();
      hits.value = null;
      searchError.value = null;
      return;
    }
    runSearch(t);
  };

  // Links work without JS and with modifier keys; a plain click opens in place.
  const linkClick = (e: MouseEvent, id: string, messageId?: string, terms?: string[]) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    props.onOpen(id, messageId, terms);
  };

  /** Focuses a row's link (after rename or delete), unless the user moved the focus. */
  const focusRow = (id: string | null, always = false) => {
    requestAnimationFrame(() => {
      if (!always && !lostFocus()) return;
      const link = id ? rowControls(id)[0] : null;
      (link ?? document.querySelector<HTMLElement>("#sidebar .btn-new"))?.focus();
    });
  };

  // One Tab stop per row, its link: arrows move between rows and to the row's buttons,
  // F2 renames and Delete deletes.
  const rowKey = (e: KeyboardEvent, id: string) => {
    const list = rowIds();
    const i = list.indexOf(id);
    const controls = rowControls(id);
    const at = controls.indexOf(e.currentTarget as HTMLElement);
    let target: HTMLElement | undefined;
    if (e.key === "ArrowDown" && list[i + 1]) target = rowControls(list[i + 1])[0];
    else if (e.key === "ArrowUp" && i > 0) target = rowControls(list[i - 1])[0];
    else if (e.key === "ArrowRight") target = controls[at + 1];
    else if (e.key === "ArrowLeft") target = controls[at - 1];
    else if (e.key === "F2") renaming.value = id;
    else if (e.key === "Delete") confirming.value = id;
    else return;
    e.preventDefault();
    target?.focus();
  };

  /** One chat's row: its link (the row's one Tab stop) and its actions, or a rename or delete. */
  const renderRow = (c: Conversation) => {
    const title = displayTitle(c.title);
    return (
      <li
        key={c.id}
        class={`conv${c.id === currentId ? " current" : ""}`}
        data-conv={c.id}
      >
        {renaming.value === c.id
          ? (
            <InlineEdit
              value={c.title}
              label="Conversation title"
              onSave={(t) => {
                renaming.value = null;
                focusRow(c.id);
                props.onRename(c.id, t);
              }}
              onCancel={() => {
                renaming.value = null;
                focusRow(c.id);
              }}
            />
          )
          : confirming.value === c.id
          ? (
            <div class="confirm" role="group" aria-label={`Delete ${title}?`}>
              <span>Delete?</span>
              <button
                type="button"
                class="btn btn-danger btn-small"
                onClick={() => {
                  const list = rowIds();
                  const i = list.indexOf(c.id);
                  confirming.value = null;
                  focusRow(list[i + 1] ?? list[i - 1] ?? null, true);
                  props.onDelete(c.id);
                }}
              >
                Confirm delete
              </button>
              <button
                type="button"
                class="btn btn-small"
                ref={(el) => el?.focus()}
                onClick={() => {
                  confirming.value = null;
                  focusRow(c.id, true);
                }}
              >
                Cancel
              </button>
            </div>
          )
          : (
            <>
              <a
                class="conv-link"
                href={`/c/${encodeURIComponent(c.id)}`}
                aria-current={c.id === currentId ? "page" : undefined}
                aria-keyshortcuts="F2 Delete"
                onClick={(e) => linkClick(e as unknown as MouseEvent, c.id)}
                onKeyDown={(e) => rowKey(e, c.id)}
              >
                <span class="conv-title">{title}</span>
                <span class="conv-time">{relativeTime(c.updatedAt)}</span>
              </a>
              <span class="conv-actions">
                <button
                  type="button"
                  class="icon-btn"
                  aria-label={`${c.pinned ? "Unpin" : "Pin"} ${title}`}
                  title={c.pinned ? "Unpin" : "Pin"}
                  tabIndex={-1}
                  onKeyDown={(e) => rowKey(e, c.id)}
                  onClick={() => {
                    focusRow(c.id); // the row moves to another group
                    props.onPin(c.id, !c.pinned);
                  }}
                >
                  <Icon name="pin" size={15} />
                </button>
                <button
                  type="button"
                  class="icon-btn"
                  aria-label={`Rename ${title}`}
                  title="Rename (F2)"
                  tabIndex={-1}
                  onKeyDown={(e) => rowKey(e, c.id)}
                  onClick={() => (renaming.value = c.id)}
                >
                  <Icon name="edit" size={15} />
                </button>
                <button
                  type="button"
                  class="icon-btn"
                  aria-label={`Delete ${title}`}
                  title="Delete (Delete key)"
                  tabIndex={-1}
                  onKeyDown={(e) => rowKey(e, c.id)}
                  onClick={() => (confirming.value = c.id)}
                >
                  <Icon name="trash" size={15} />
                </button>
              </span>
            </>
          )}
      </li>
    );
  };

  const searching = query.value.trim() !== "";
  return (
    <aside id="sidebar" class={`sidebar${open.value ? " open" : ""}`}>
      <div class="sidebar-top">
        <a class="brand" href="/">
          <img src="/static/logo.svg" alt="" width={24} height={24} />
          <span>rungpt</span>
        </a>
        <button type="button" class="btn btn-new" onClick={props.onNew}>
          <Icon name="plus" size={16} />
          <span>New chat</span>
        </button>
      </div>
      <div class="search" role="search">
        <Icon name="search" size={16} />
        <input
          type="search"
          aria-label="Search"
          placeholder="Search conversations"
          value={query.value}
          onInput={(e) => onQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape" && query.value) {
              e.stopPropagation();
              onQuery("");
            }
          }}
        />
      </div>
      <nav class="conv-nav" aria-label={searching ? "Search results" : "Conversations"}>
        {searching
          ? (
            <div class="hits">
              {searchError.value && <p class="muted">{searchError.value}</p>}
              {hits.value === null && !searchError.value && <p class="muted">Searching…</p>}
              {hits.value?.length === 0 && <p class="muted">No messages match.</p>}
              <ul>
                {hits.value?.map((h) => (
                  <li key={h.messageId}>
                    <a
                      class="hit"
                      href={`/c/${encodeURIComponent(h.conversationId)}#m-${h.messageId}`}
                      onClick={(e) =>
                        linkClick(
                          e as unknown as MouseEvent,
                          h.conversationId,
                          h.messageId,
                          matchedTerms(h.snippet),
                        )}
                    >
                      <span class="hit-title">{displayTitle(h.conversationTitle)}</span>
                      <span class="hit-snippet">
                        <span class="hit-role">{h.role === "user" ? "You: " : ""}</span>
                        {snippetParts(stripMarkdown(h.snippet)).map((p, i) =>
                          p.mark ? <mark key={i}>{p.text}</mark> : p.text
                        )}
                      </span>
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          )
          : (
            <div class="conv-groups">
              {conversations.value.length === 0 && <p class="muted empty">No conversations yet.</p>}
              {groupByDate(conversations.value, new Date()).map((group, i) => (
                <div
                  key={group.label}
                  class="conv-group"
                  role="group"
                  aria-labelledby={`conv-group-${i}`}
                >
                  <h2 class="conv-group-label" id={`conv-group-${i}`}>{group.label}</h2>
                  <ul class="conv-list">
                    {group.items.map((c) => renderRow(c))}
                  </ul>
                </div>
              ))}
            </div>
          )}
      </nav>
      <div class="sidebar-bottom">
        <a href="/settings" class="settings-link">
          <Icon name="settings" size={16} />
          <span>Settings</span>
        </a>
        <a href="/plugins" class="settings-link">
          <Icon name="plugin" size={16} />
          <span>Plugins</span>
        </a>
      </div>
    </aside>
  );
}

/** The distinct words a search snippet marks as matches. */
function matchedTerms(snippet: string): string[] {
  const marked = snippetParts(stripMarkdown(snippet)).filter((p) => p.mark).map((p) => p.text);
  return [...new Set(marked.map((t) => t.trim()).filter(Boolean))];
}

/** The ids of the chat rows, in the order they are shown. */
function rowIds(): string[] {
  return Array.from(
    document.querySelectorAll<HTMLElement>("#sidebar li[data-conv]"),
    (li) => li.dataset.conv!,
  );
}

/** A row's link, then its buttons, in order. */
function rowControls(id: string): HTMLElement[] {
  const row = document.querySelector(`#sidebar li[data-conv="${CSS.escape(id)}"]`);
  return row
    ? Array.from(row.querySelectorAll<HTMLElement>("a.conv-link, .conv-actions button"))
    : [];
}
