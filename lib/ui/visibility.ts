/**
 * "Tell me once this element comes near the viewport", with one shared
 * IntersectionObserver for the whole page (2,000 messages must not mean 2,000 observers,
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

let observer: IntersectionObserver | null = null;
const callbacks = new WeakMap<Element, Callback>();

function shared(): IntersectionObserver {
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const cb = callbacks.get(entry.target);
      callbacks.delete(entry.target);
      observer!.unobserve(entry.target);
      cb?.();
    }
  }, { rootMargin: "1500px 0px" });
  return observer;
}

/**
 * Calls `cb` once, when `el` is within about two screens of the viewport. Returns a function
 * that cancels the watch. Without IntersectionObserver, `cb` runs at once.
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
  callbacks.set(el, cb);
  shared().observe(el);
  return () => {
    callbacks.delete(el);
    observer?.unobserve(el);
  };
}
