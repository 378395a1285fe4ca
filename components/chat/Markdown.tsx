/**
 * A model's message as markdown. The server (and the first browser render) show the text
 * escaped; the browser renders the markdown in an effect, only once the message (or the block
 * of messages it is in) is near the viewport, and then re-renders at most once per frame while
 * it streams.
 * @module
 */
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { handleMarkdownClick, renderMarkdown } from "../../lib/ui/markdown.ts";
import { NearContext, whenNear } from "../../lib/ui/visibility.ts";

/** Props of {@linkcode Markdown}. */
export interface MarkdownProps {
  content: string;
  /** True while the text is still growing: renders are throttled to animation frames. */
  streaming: boolean;
}

/** Rendered, sanitised markdown with lazy math and code highlighting. */
export function Markdown({ content, streaming }: MarkdownProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const box = useRef<HTMLDivElement>(null);
  // Inside a block of messages the block says when it is near; elsewhere, watch this one.
  const blockNear = useContext(NearContext);
  const [ownNear, setOwnNear] = useState(false);
  const near = blockNear ? blockNear.value : ownNear;
  const [ready, setReady] = useState(false);
  const generation = useRef(0);

  useEffect(
    () => !blockNear && wrap.current ? whenNear(wrap.current, () => setOwnNear(true)) : undefined,
    [],
  );

  useEffect(() => {
    if (!near) return;
    const mine = ++generation.current;
    const run = () => {
      renderMarkdown(content, document).then((frag) => {
        // A newer render started meanwhile: this one is stale.
        if (mine !== generation.current || !box.current) return;
        box.current.replaceChildren(frag);
        setReady(true);
      }).catch(() => {
        // Rendering failed: keep showing the plain text.
      });
    };
    if (!streaming) {
      run();
      return;
    }
    const frame = requestAnimationFrame(run);
    return () => cancelAnimationFrame(frame);
  }, [content, near, streaming]);

  return (
    <div
      ref={wrap}
      class="md-wrap"
      onClick={(e) => {
        handleMarkdownClick(e as unknown as MouseEvent);
      }}
    >
      <div ref={box} class="md" hidden={!ready} />
      {!ready && <div class="md-plain">{content}</div>}
    </div>
  );
}
