import type { SlotHistory } from './slotHistory.js'
import { quantileSorted, sortNumbers } from './stats.js'
import type { Quantiles, SlotGrid } from './types.js'

/** Time-of-day buckets for residuals: the spread of household load differs between night and evening. */
const BUCKETS = 6
/** Days of residuals kept per bucket. */
const DAYS = 28
/** Fewer residuals than this in a bucket and the bucket borrows the recent same-slot spread instead. */
const MIN_RESIDUALS = 24

/**
 * Split-conformal quantiles for models that only make a point forecast: remembers the point forecast issued for
 * each upcoming slot, and when the reading arrives files the residual under the slot's time-of-day bucket. The
 * 10/90% quantiles are the point plus the bucket's 10/90% residual quantiles. Memory: one ring of issued points
 * (two days) and `DAYS` days of residuals, also kept sorted. The residuals reflect how the owner calls `forecast` (the latest issued
 * point per slot is scored); the evaluation issues day-ahead forecasts, so that is what the quantiles calibrate.
 */
export class ResidualBook {
  private readonly issuedSlot: Float64Array
  private readonly issuedValue: Float64Array
  private readonly rings: Float64Array[]
  /** Per bucket, the ring's residuals in ascending order (kept on every settle, so `wrap` sorts nothing). */
  private readonly sorted: Float64Array[]
  private readonly counts: number[]
  private readonly perBucket: number

  constructor(private readonly grid: SlotGrid) {
    const cap = 2 * grid.spd
    this.issuedSlot = new Float64Array(cap).fill(Number.NaN)
    this.issuedValue = new Float64Array(cap)
    this.perBucket = Math.ceil(grid.spd / BUCKETS) * DAYS
    this.rings = Array.from({ length: BUCKETS }, () => new Float64Array(this.perBucket))
    this.sorted = Array.from({ length: BUCKETS }, () => new Float64Array(this.perBucket))
    this.counts = new Array(BUCKETS).fill(0)
  }

  private bucket(slot: number): number {
    const sod = (((slot % this.grid.spd) + this.grid.spd) % this.grid.spd) / this.grid.spd
    return Math.min(BUCKETS - 1, Math.floor(sod * BUCKETS))
  }

  /** Files the residual of the reading `wh` for `slot` against the point issued for it, if any. */
  settle(slot: number, wh: number): void {
    if (Number.isNaN(wh)) return
    const i = slot % this.issuedSlot.length
    if (this.issuedSlot[i] !== slot) return
    const b = this.bucket(slot)
    const n = this.counts[b]!
    const ring = this.rings[b]!
    const sorted = this.sorted[b]!
    const r = wh - this.issuedValue[i]!
    // A non-finite residual (an infinite reading, a NaN point) would break the sorted copy's order for good.
    if (!Number.isFinite(r)) return
    let len = Math.min(n, this.perBucket)
    if (n >= this.perBucket) removeSorted(sorted, len--, ring[n % this.perBucket]!)
    insertSorted(sorted, len, r)
    ring[n % this.perBucket] = r
    this.counts[b] = n + 1
    this.issuedSlot[i] = Number.NaN
  }

  /** Records `p50` as issued for the slots from `from` and wraps it with conformal quantiles. */
  wrap(from: number, p50: Float64Array, history: SlotHistory): Quantiles {
    const h = p50.length
    const sorted = this.sorted.map((a, b) => a.subarray(0, Math.min(this.counts[b]!, this.perBucket)))
    const p10 = new Float64Array(h)
    const p90 = new Float64Array(h)
    for (let j = 0; j < h; j++) {
      const s = from + j
      if (j < this.issuedSlot.length) {
        const i = s % this.issuedSlot.length
        this.issuedSlot[i] = s
        this.issuedValue[i] = p50[j]!
      }
      const res = sorted[this.bucket(s)]!
      if (res.length >= MIN_RESIDUALS) {
        p10[j] = p50[j]! + quantileSorted(res, 0.1)
        p90[j] = p50[j]! + quantileSorted(res, 0.9)
      } else {
        const recent = sortNumbers(history.sameSlotDays(s, from, 14, this.grid.spd, 1, []))
        p10[j] = recent.length ? quantileSorted(recent, 0.1) : p50[j]!
        p90[j] = recent.length ? quantileSorted(recent, 0.9) : p50[j]!
      }
    }
    return finishQuantiles(this.grid, p10, p50, p90)
  }
}

/** Inserts `v` into the ascending `a[0, len)` (after any equal values); `a` has room for one more. */
function insertSorted(a: Float64Array, len: number, v: number): void {
  let lo = 0
  let hi = len
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! <= v) lo = mid + 1
    else hi = mid
  }
  a.copyWithin(lo + 1, lo, len)
  a[lo] = v
}

/** Removes one value equal to `v` (present) from the ascending `a[0, len)`. */
function removeSorted(a: Float64Array, len: number, v: number): void {
  let lo = 0
  let hi = len
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < v) lo = mid + 1
    else hi = mid
  }
  a.copyWithin(lo, lo + 1, len)
}

/** Clamps at zero if asked and makes the three quantiles non-crossing, in place. */
export function finishQuantiles(grid: SlotGrid, p10: Float64Array, p50: Float64Array, p90: Float64Array): Quantiles {
  for (let j = 0; j < p50.length; j++) {
    let a = p10[j]!
    let m = p50[j]!
    let c = p90[j]!
    if (grid.nonNegative) {
      a = Math.max(0, a)
      m = Math.max(0, m)
      c = Math.max(0, c)
    }
    if (m < a) a = m
    if (c < m) c = m
    p10[j] = a
    p50[j] = m
    p90[j] = c
  }
  return { p10, p50, p90 }
}
