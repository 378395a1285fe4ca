/**
 * A puzzle-piece icon for links to /plugins, drawn like components/Icon.tsx (1em stroke,
 * hidden from assistive technology; the link names the page).
 * @module
 */

/**
 * @example
 * ```tsx
 * <a href="/plugins"><PluginIcon size={16} /><span>Plugins</span></a>
 * ```
 */
export function PluginIcon({ size = 18 }: { size?: number }) {
  return (
    <svg
      class="icon"
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
      <path d="M9 4a2 2 0 1 1 4 0v2h5v5h-2a2 2 0 1 0 0 4h2v5H4v-5h2a2 2 0 1 0 0-4H4V6h5z" />
    </svg>
  );
}
