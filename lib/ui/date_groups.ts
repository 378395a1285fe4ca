/**
 * The sidebar's groups: pinned chats first, then by the day of their last change in the
 * browser's local time — Today, Yesterday, Previous 7 days, Previous 30 days, then one group
 * per month ("March 2026").
 * @module
 */

/** What a chat needs to be grouped. */
export interface Dated {
  updatedAt: number;
  pinned: boolean;
}

/** One labelled group of chats, newest first. */
export interface DateGroup<T> {
  label: string;
  items: T[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Groups `items` for the sidebar, newest first within each group; `now` is the local clock,
 * `locale` names the months. Days are calendar days of `Date`'s local time zone, so a chat from
 * 23:59 is "Yesterday" a minute after midnight.
 *
 * @example
 * ```ts
 * groupByDate(conversations, new Date()).map((g) => g.label); // ["Pinned", "Today", …]
 * ```
 */
export function groupByDate<T extends Dated>(
  items: readonly T[],
  now: Date,
  locale?: string,
): DateGroup<T>[] {
  const groups = new Map<string, T[]>();
  const add = (label: string, item: T) => {
    const list = groups.get(label);
    if (list) list.push(item);
    else groups.set(label, [item]);
  };
  const today = startOfDay(now);
  const sorted = [...items].sort((a, b) => b.updatedAt - a.updatedAt);
  for (const item of sorted.filter((c) => c.pinned)) add("Pinned", item);
  for (const item of sorted.filter((c) => !c.pinned)) {
    add(dayLabel(new Date(item.updatedAt), today, locale), item);
  }
  return [...groups].map(([label, list]) => ({ label, items: list }));
}

/** The group of one unpinned chat changed at `when`, given the local midnight `today`. */
function dayLabel(when: Date, today: Date, locale?: string): string {
  const days = daysBetween(startOfDay(when), today);
  if (days <= 0) return "Today"; // the future too: a clock set back
  if (days === 1) return "Yesterday";
  if (days <= 7) return "Previous 7 days";
  if (days <= 30) return "Previous 30 days";
  return when.toLocaleDateString(locale, { month: "long", year: "numeric" });
}

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** Whole calendar days from `a` to `b` (both local midnights; DST days are 23 or 25 hours). */
function daysBetween(a: Date, b: Date): number {
  return Math.round((b.getTime() - a.getTime()) / DAY_MS);
}
