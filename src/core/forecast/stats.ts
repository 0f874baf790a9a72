/** Linear-interpolated quantile `p` of values already sorted ascending; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const x = p * (n - 1)
  const lo = Math.floor(x)
  const hi = Math.min(lo + 1, n - 1)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo)
}

/** Pinball (quantile) loss of forecasting `q` at level `p` when `y` happened. */
export function pinball(p: number, q: number, y: number): number {
  return y >= q ? p * (y - q) : (1 - p) * (q - y)
}

/** Sorts a plain number array ascending in place and returns it. */
export function sortNumbers(a: number[]): number[] {
  return a.sort((x, y) => x - y)
}
