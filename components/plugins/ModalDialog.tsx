/**
 * The modal shell of a question whose answer grants something (a plugin's install, an MCP
 * server's add): a native `<dialog>` with a title, an intro, the details, and "Cancel" and a
 * confirm button. Focus stays inside, Escape cancels, and focus starts on "Cancel" so a stray
 * Enter agrees to nothing.
 * @module
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** Props of {@linkcode ModalDialog}. */
export interface ModalDialogProps {
  /** Prefix of the ids of the title and intro (unique on the page). */
  id: string;
  title: string;
  intro: ComponentChildren;
  /** The confirm button's label, e.g. "Allow". */
  confirmLabel: string;
  /** Disables the buttons while the answer is being sent. */
  busy: boolean;
  onAnswer(confirm: boolean): void;
  children: ComponentChildren;
}

/** A modal question with Cancel and a confirm button. */
export function ModalDialog(props: ModalDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) {
      dialog.showModal();
      // Focusing "Cancel" scrolled a long summary to its end; start reading at its title (the
      // buttons stay in view, pinned to the bottom).
      dialog.scrollTop = 0;
    }
    return () => dialog?.close();
  }, []);
  const { id, busy, onAnswer } = props;
  return (
    <dialog
      ref={ref}
      class="consent-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-intro`}
      onCancel={(e) => {
        e.preventDefault(); // Escape: answer "no" rather than just hiding the dialog.
        if (!busy) onAnswer(false);
      }}
    >
      <h2 id={`${id}-title`}>{props.title}</h2>
      <p id={`${id}-intro`}>{props.intro}</p>
      {props.children}
      <div class="row-buttons dialog-buttons">
        {/* autofocus: showModal() starts on Cancel, not on the dialog or its first field. */}
        <button
          type="button"
          class="btn"
          autofocus
          disabled={busy}
          onClick={() => onAnswer(false)}
        >
          Cancel
        </button>
        <button
          type="button"
          class="btn btn-primary"
          disabled={busy}
          onClick={() => onAnswer(true)}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
