/**
 * Money for `wh` Wh at `pricePerKwh` token units per kWh: floor(wh * price / 1000), the market's trade-amount
 * rounding, used for every grid settlement too.
 *
 * @example
 * energyAmount(1500n, 300_000n) // 450_000n
 */
export function energyAmount(wh: bigint, pricePerKwh: bigint): bigint {
  return (wh * pricePerKwh) / 1000n
}
