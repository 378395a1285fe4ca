/**
 * Files as chips (a name and size) or thumbnails (images): in the composer, each with a
 * "Remove <name>" button; in a sent message, linking to the stored file.
 * @module
 */
import type { Attachment } from "../../lib/store/attachments.ts";
import { formatSize } from "../../lib/chat/attachment_meta.ts";
import { Icon } from "../Icon.tsx";

/** A file in the composer: uploading (no `attachment` yet) or ready. */
export interface DraftFile {
  key: string;
  name: string;
  size: number;
  /** Set once uploaded. */
  attachment?: Attachment;
  /** A local preview for an image. */
  preview?: string;
}

const fileUrl = (a: Attachment) => `/api/attachments/${encodeURIComponent(a.id)}`;

/** The composer's files, each removable. */
export function DraftChips(
  { files, onRemove }: { files: DraftFile[]; onRemove(key: string): void },
) {
  return (
    <ul class="attach-list" aria-label="Attached files">
      {files.map((f) => {
        const image = f.preview ?? (f.attachment?.kind === "image" ? fileUrl(f.attachment) : "");
        return (
          <li key={f.key} class="attach-chip" data-ready={f.attachment ? "true" : "false"}>
            {image
              ? <img class="attach-thumb" src={image} alt="" />
              : <Icon name="file" size={16} class="attach-icon" />}
            <span class="attach-name">{f.name}</span>
            <span class="attach-size">{f.attachment ? formatSize(f.size) : "uploading…"}</span>
            <button
              type="button"
              class="icon-btn attach-remove"
              aria-label={`Remove ${f.name}`}
              onClick={() => onRemove(f.key)}
            >
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** A sent message's files: thumbnails for images, chips for the rest. */
export function SentAttachments({ files }: { files: Attachment[] }) {
  return (
    <ul class="attach-list attach-sent" aria-label="Attached files">
      {files.map((a) => (
        <li key={a.id} class={a.kind === "image" ? "attach-image" : "attach-chip"}>
          {a.kind === "image"
            ? (
              <a href={fileUrl(a)} target="_blank" rel="noopener">
                <img class="attach-photo" src={fileUrl(a)} alt={a.name} loading="lazy" />
              </a>
            )
            : (
              <a href={fileUrl(a)} download={a.name} class="attach-link">
                <Icon name="file" size={16} class="attach-icon" />
                <span class="attach-name">{a.name}</span>
                <span class="attach-size">{formatSize(a.size)}</span>
              </a>
            )}
        </li>
      ))}
    </ul>
  );
}
