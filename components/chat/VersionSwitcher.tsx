/**
 * The "‹ 2 / 3 ›" switcher on a message with other versions (regenerated replies, edited
 * questions).
 * @module
 */
import type { VersionPlace } from "../../lib/ui/versions.ts";

/** Props of {@linkcode VersionSwitcher}. */
export interface VersionSwitcherProps {
  place: VersionPlace;
  /** Shows the version with this id. */
  onShow(versionId: string): void;
}

/** Previous and next buttons around "index / count". */
export function VersionSwitcher({ place, onShow }: VersionSwitcherProps) {
  const { previous, next } = place;
  return (
    <div class="versions" role="group" aria-label="Versions">
      <button
        type="button"
        class="icon-btn"
        aria-label="Previous version"
        title="Previous version"
        disabled={previous === null}
        onClick={() => previous && onShow(previous)}
      >
        ‹
      </button>
      <span class="versions-place">{place.index} / {place.count}</span>
      <button
        type="button"
        class="icon-btn"
        aria-label="Next version"
        title="Next version"
        disabled={next === null}
        onClick={() => next && onShow(next)}
      >
        ›
      </button>
    </div>
  );
}
