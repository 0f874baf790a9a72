/**
 * Exact decimal text of an integer scaled by 10^-decimals, without going through a float: `1234567 Wh` is
 * `"1234.567"` kWh, never `1234.5670000000002`. Trailing zeros of the fraction are dropped (`1000` -> `"1"`).
 *
 * @example
 * formatScaled(1_234_567n, 3) // '1234.567'
 * formatScaled(-5n, 6) // '-0.000005'
 */
export function formatScaled(value: bigint | number, decimals: number): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`)
  const v = BigInt(value)
  const sign = v < 0n ? '-' : ''
  const digits = (v < 0n ? -v : v).toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`
}

/** Whole Wh as kWh text. */
export const whToKwh = (wh: bigint | number): string => formatScaled(wh, 3)
