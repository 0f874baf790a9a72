/**
 * The last `capacity` slots of readings in a ring buffer: bounded memory whatever the series length. A slot that
 * was never observed, or has been overwritten by a later one, reads as NaN.
 */
export class SlotHistory {
  readonly capacity: number
  private readonly values: Float64Array
  private readonly tags: Float64Array
  /** Highest slot observed so far, -Infinity before the first reading. */
  latest = Number.NEGATIVE_INFINITY

  constructor(capacity: number) {
    this.capacity = capacity
    this.values = new Float64Array(capacity).fill(Number.NaN)
    this.tags = new Float64Array(capacity).fill(Number.NaN)
  }

  put(slot: number, wh: number): void {
    if (slot <= this.latest - this.capacity) return
    const i = slot % this.capacity
    this.values[i] = wh
    this.tags[i] = slot
    if (slot > this.latest) this.latest = slot
  }

  /** The first slot a forecast from `from` may not read: `from`, or just after the latest reading if earlier. */
  originFor(from: number): number {
    return this.latest === Number.NEGATIVE_INFINITY ? from : Math.min(from, this.latest + 1)
  }

  get(slot: number): number {
    const i = slot % this.capacity
    return this.tags[i] === slot ? this.values[i]! : Number.NaN
  }

  /** Readings of the same slot of day on the `days` days before the day of `slot` seen from `before` (exclusive). */
  sameSlotDays(slot: number, before: number, days: number, spd: number, width: number, out: number[]): number[] {
    let k = Math.max(1, Math.ceil((slot - before + 1) / spd))
    for (let d = 0; d < days; d++, k++) {
      const c = slot - k * spd
      for (let w = -width; w <= width; w++) {
        const i = c + w
        if (i >= before) continue
        const v = this.get(i)
        if (!Number.isNaN(v)) out.push(v)
      }
    }
    return out
  }
}
