/**
 * "Tell me once this element comes near the viewport", with one shared
 * IntersectionObserver for the whole page (2,000 messages must not mean 2,000 observers).
 * Browser only.
 * @module
 */

type Callback = () => void;

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
