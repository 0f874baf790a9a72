/** Most points a time-series chart of the report embeds; longer runs are bucketed (the CSVs keep every interval). */
const MAX_POINTS = 4000

/**
 * Intervals per chart point for a run of `T` intervals, so that no chart embeds more than 4000 points.
 *
 * @example
 * bucketSize(17_520) // 5
 */
export const bucketSize = (T: number): number => Math.max(1, Math.ceil(T / MAX_POINTS))

/**
 * Text made safe for HTML content and attribute values.
 *
 * @example
 * escapeHtml('<b>') // '&#60;b&#62;'
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}
