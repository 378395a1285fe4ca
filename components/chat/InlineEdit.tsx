/**
 * A one-line text editor that replaces a label: Enter or blur saves, Esc cancels.
 * @module
 */
import { useRef } from "preact/hooks";

/** Props of {@linkcode InlineEdit}. */
export interface InlineEditProps {
  value: string;
  label: string;
  onSave(value: string): void;
  onCancel(): void;
  class?: string;
}

/** The input, focused and selected on mount. */
export function InlineEdit({ value, label, onSave, onCancel, class: cls }: InlineEditProps) {
  const done = useRef(false);
  const finish = (save: boolean, v: string) => {
    if (done.current) return;
    done.current = true;
    if (save && v.trim() && v.trim() !== value) onSave(v.trim());
    else onCancel();
  };
  return (
    <input
      class={`inline-edit ${cls ?? ""}`}
      aria-label={label}
      defaultValue={value}
      maxLength={200}
      ref={(el) => {
        if (el && !el.dataset.focused) {
          el.dataset.focused = "1";
          el.focus();
          el.select();
        }
      }}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          finish(true, e.currentTarget.value);
        } else if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          finish(false, "");
        }
      }}
      onBlur={(e) => finish(true, e.currentTarget.value)}
    />
  );
}
