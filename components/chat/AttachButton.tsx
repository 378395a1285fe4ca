/**
 * The composer's files: the "Attach files" button with its file picker, and the draft's files
 * as state (added by the button, a drop or a paste; uploaded at once; removable). The upload
 * code is imported on first use.
 * @module
 */
import { type Signal, useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import type { Attachment } from "../../lib/store/attachments.ts";
import {
  ACCEPTED_FILES,
  MAX_FILE_BYTES,
  MAX_FILES_PER_MESSAGE,
} from "../../lib/chat/attachment_limits.ts";
import { formatSize } from "../../lib/chat/attachment_meta.ts";
import { Icon } from "../Icon.tsx";
import type { DraftFile } from "./AttachmentChips.tsx";

/** The limits as the composer states them. */
export const LIMITS_TEXT = `Images, PDFs, text and code: up to ${MAX_FILES_PER_MESSAGE} files, ` +
  `${formatSize(MAX_FILE_BYTES)} each.`;

/** A draft's files and what can be done with them. */
export interface DraftFiles {
  files: Signal<DraftFile[]>;
  /** Why the last files were refused, naming them. */
  error: Signal<string | null>;
  add(list: readonly File[]): void;
  remove(key: string): void;
  /** Puts sent files back (a send that failed). */
  restore(attachments: Attachment[]): void;
  clear(): void;
  /** The uploaded files, or null while one still uploads. */
  ready(): Attachment[] | null;
}

/** The draft's files, for one composer. */
export function useDraftFiles(): DraftFiles {
  const files = useSignal<DraftFile[]>([]);
  const error = useSignal<string | null>(null);
  const update = (key: string, change: (f: DraftFile) => DraftFile | null) => {
    files.value = files.peek().flatMap((f) => {
      if (f.key !== key) return [f];
      const next = change(f);
      return next ? [next] : [];
    });
  };
  const drop = (f: DraftFile) => {
    if (f.preview) URL.revokeObjectURL(f.preview);
    return null;
  };

  async function add(list: readonly File[]) {
    if (!list.length) return;
    const { screenFiles, uploadFile } = await import("../../lib/ui/attachments.ts");
    const held = files.peek();
    const { accepted, refused } = screenFiles(list, held.length, sum(held));
    const messages = [...refused];
    error.value = messages.length ? messages.join(" ") : null;
    const added = accepted.map((file) => ({
      key: crypto.randomUUID(),
      name: file.name,
      size: file.size,
      preview: /^image\/(png|jpeg)$/.test(file.type) ? URL.createObjectURL(file) : undefined,
      file,
    }));
    files.value = [...held, ...added.map(({ file: _f, ...d }) => d)];
    await Promise.all(added.map(async ({ key, file }) => {
      try {
        const attachment = await uploadFile(file);
        update(key, (f) => ({ ...f, attachment, size: attachment.size }));
      } catch (e) {
        update(key, drop);
        messages.push((e as Error).message);
        error.value = messages.join(" ");
      }
    }));
  }

  return {
    files,
    error,
    add: (list) => void add(list),
    remove: (key) => update(key, drop),
    restore(attachments) {
      files.value = attachments.map((a) => ({
        key: crypto.randomUUID(),
        name: a.name,
        size: a.size,
        attachment: a,
      }));
    },
    clear() {
      files.peek().forEach(drop);
      files.value = [];
      error.value = null;
    },
    ready() {
      const list = files.peek();
      return list.every((f) => f.attachment) ? list.map((f) => f.attachment!) : null;
    },
  };
}

function sum(files: DraftFile[]): number {
  return files.reduce((n, f) => n + f.size, 0);
}

/** The "Attach files" button and its hidden file picker. */
export function AttachButton({ draft, disabled }: { draft: DraftFiles; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        class="icon-btn composer-attach"
        aria-label="Attach files"
        aria-describedby="attach-limits"
        title={LIMITS_TEXT}
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        <Icon name="paperclip" size={18} />
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        accept={ACCEPTED_FILES}
        data-testid="attach-input"
        onChange={(e) => {
          const picked = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = "";
          draft.add(picked);
        }}
      />
    </>
  );
}
