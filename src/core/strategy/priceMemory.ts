/**
 * Remembers past clearing prices per interval of the day (the last `days` days) so a strategy can expect
 * tomorrow's price at each time of day: the median of what it was. Clearing results are public, so every node
 * can keep one. Memory: days x intervals per day numbers.
 */
export class PriceMemory {
  private readonly perDay: number
  private readonly prices: Float64Array
  private readonly tags: Float64Array

  constructor(
    intervalS: number,
    private readonly days = 7,
  ) {
    this.perDay = Math.round(86_400 / intervalS)
    this.prices = new Float64Array(this.perDay * days).fill(Number.NaN)
    this.tags = new Float64Array(this.perDay * days).fill(Number.NaN)
  }

  /** Records the price that interval `k` cleared at (for an interval with only asks: feed-in; only bids: retail). */
  record(k: bigint, price: bigint): void {
    const i = Number(k % BigInt(this.prices.length))
    this.prices[i] = Number(price)
    this.tags[i] = Number(k)
  }

  /** The median price of interval `k`'s time of day over the remembered days, or undefined with no history. */
  expected(k: bigint): bigint | undefined {
    const seen: number[] = []
    const kn = Number(k)
    for (let d = 1; d <= this.days; d++) {
      const past = kn - d * this.perDay
      const i = ((past % this.prices.length) + this.prices.length) % this.prices.length
      if (this.tags[i] === past) seen.push(this.prices[i]!)
    }
    if (seen.length === 0) return undefined
    seen.sort((a, b) => a - b)
    return BigInt(Math.round(seen[(seen.length - 1) >> 1]!))
  }
}
