/** Inline SVG icons (no external resources). Decorative: the button around names the action. */

const PATHS = {
  plus: "M12 5v14M5 12h14",
  paperclip: "M20 11l-8 8a5 5 0 0 1-7-7l8.5-8.5a3.5 3.5 0 0 1 5 5L10 17a2 2 0 0 1-3-3l7.5-7.5",
  file: "M6 3h8l4 4v14H6zM14 3v4h4",
  menu: "M4 6h16M4 12h16M4 18h16",
  send: "M5 12h14M13 6l6 6-6 6",
  stop: "M7 7h10v10H7z",
  copy: "M9 9h10v10H9zM5 15V5h10",
  edit: "M4 20h4L19 9l-4-4L4 16v4z",
  trash: "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
  refresh: "M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5",
  settings:
    "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z",
  download: "M12 4v11M7 10l5 5 5-5M5 20h14",
  close: "M6 6l12 12M18 6L6 18",
  check: "M5 12l5 5 9-10",
  search: "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM20 20l-4-4",
  plugin: "M9 4a2 2 0 1 1 4 0v2h5v5h-2a2 2 0 1 0 0 4h2v5H4v-5h2a2 2 0 1 0 0-4H4V6h5z",
  pin: "M9 4h6l-1 6 3 3H7l3-3zM12 13v7",
} as const;

/** An icon's name. */
export type IconName = keyof typeof PATHS;

/** A named icon of this set, or another drawing (a path in the same 24x24 stroke style). */
export type IconProps =
  & { size?: number; class?: string }
  & (
    | { name: IconName; path?: never }
    | { path: string; name?: never }
  );

/**
 * A stroke icon, hidden from assistive technology.
 *
 * @example
 * ```tsx
 * <button type="button" aria-label="Delete"><Icon name="trash" /></button>
 * <Icon path="M12 3a9 9 0 1 0 9 9" size={16} class="spinner" />
 * ```
 */
export function Icon(props: IconProps) {
  const size = props.size ?? 18;
  return (
    <svg
      class={props.class ? `icon ${props.class}` : "icon"}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={props.path ?? PATHS[props.name]} />
    </svg>
  );
}
