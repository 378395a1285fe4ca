/**
 * "Tell me once this element comes near the viewport", with one shared
 * IntersectionObserver per scroll container (2,000 messages must not mean 2,000 observers,
 * nor 2,000 targets: blocks of messages are observed, see {@linkcode NearContext}).
 * Browser only.
 * @module
 */

import { createContext } from "preact";
import type { Signal } from "@preact/signals";

type Callback = () => void;

/**
 * Set by a block of messages to a signal that turns true once the block comes near the
 * viewport, so the messages inside need no observer each. `null` outside such a block.
 */
export const NearContext = createContext<Signal<boolean> | null>(null);

const callbacks = new WeakMap<Element, Callback>();
// One observer per scroll container (`null`: the viewport). The margin must be the
// container's: an element inside a scrolled box is clipped by that box, and a margin on the
// viewport alone would only see it once it is actually visible.
const observers = new Map<Element | null, IntersectionObserver>();

function observerFor(root: Element | null): IntersectionObserver {
  let observer = observers.get(root);
  if (!observer) {
    const made = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const cb = callbacks.get(entry.target);
        callbacks.delete(entry.target);
        made.unobserve(entry.target);
        cb?.();
      }
    }, { root, rootMargin: "1500px 0px" });
    observers.set(root, observer = made);
  }
  return observer;
}

/** The nearest ancestor of `el` that scrolls vertically, or `null` for the viewport. */
function scrollRoot(el: Element): Element | null {
  for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
    if (/^(auto|scroll|overlay)$/.test(getComputedStyle(p).overflowY)) return p;
  }
  return null;
}

/**
 * Calls `cb` once, when `el` is within about two screens of what its scroll container (or
 * the viewport) shows. Returns a function that cancels the watch. Without
 * IntersectionObserver, `cb` runs at once.
 *
 * @example
 * ```ts
 * useEffect(() => whenNear(ref.current!, () => setNear(true)), []);
 * ```
 */
export function whenNear(el: Element, cb: Callback): () => void {
  if (typeof IntersectionObserver === "undefined") {
    cb();
    return () => {};
  }
  const observer = observerFor(scrollRoot(el));
  callbacks.set(el, cb);
  observer.observe(el);
  return () => {
    callbacks.delete(el);
    observer.unobserve(el);
  };
}
