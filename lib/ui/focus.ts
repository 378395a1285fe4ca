/**
 * Focus helpers for the chat's keyboard flow. Browser only.
 * @module
 */

/**
 * Whether nothing has the focus: the focused element was removed (an inline editor closed) or
 * the page has none. Focus is moved back only then, never away from where the user clicked.
 *
 * @example
 * ```ts
 * requestAnimationFrame(() => lostFocus() && button.focus());
 * ```
 */
export function lostFocus(): boolean {
  const el = document.activeElement;
  return !el || el === document.body;
}
