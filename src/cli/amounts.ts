import { formatUnits, parseUnits } from 'viem'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { DEFAULT_NATIVE_CURRENCY, type NativeCurrency } from '../chain/nativeCurrency.js'
import type { TokenInfo } from '../chain/readToken.js'

/**
 * An amount typed in the token's display unit ("12.5" gEUR), or in smallest units with `raw`, as token units.
 * Refuses more fraction digits than the token has, signs, exponents and anything else that is not a plain number.
 *
 * @example
 * parseAmount('12.5', { symbol: 'gEUR', decimals: 6 }) // 12500000n
 */
export function parseAmount(text: string, token: Pick<TokenInfo, 'decimals' | 'symbol'>, raw = false): bigint {
  const plain = raw ? /^\d+$/ : /^\d+(\.\d+)?$/
  const fraction = text.split('.')[1]?.length ?? 0
  if (!plain.test(text) || fraction > token.decimals) {
    throw new ChainError(
      raw
        ? `amount ${JSON.stringify(text)} must be a whole number of the token's smallest units (--raw)`
        : `amount ${JSON.stringify(text)} must be a number of ${token.symbol} with at most ${token.decimals} decimals`,
      { code: ChainErrorCode.InvalidInput, field: 'amount' },
    )
  }
  return raw ? BigInt(text) : parseUnits(text, token.decimals)
}

/**
 * Token units for people: "12.5 gEUR", or "12500000 units" with `raw`.
 *
 * @example
 * formatAmount(12_500_000n, { symbol: 'gEUR', decimals: 6 }) // '12.5 gEUR'
 */
export function formatAmount(units: bigint, token: Pick<TokenInfo, 'decimals' | 'symbol'>, raw = false): string {
  return raw ? `${units} units` : `${formatUnits(units, token.decimals)} ${token.symbol}`
}

/**
 * The smallest units of the chain's native currency for people, e.g. "0.000123 ETH", "0.0001 XDAI" (8 decimals
 * are enough for gas).
 *
 * @example
 * formatNative(5_068_920_000_000_000n, { symbol: 'XDAI', decimals: 18 }) // '0.00506892 XDAI'
 */
export function formatNative(wei: bigint, native: NativeCurrency = DEFAULT_NATIVE_CURRENCY): string {
  const [whole, frac = ''] = formatUnits(wei, native.decimals).split('.')
  const short = frac.slice(0, 8).replace(/0+$/, '')
  return `${whole}${short ? `.${short}` : ''} ${native.symbol}`
}
