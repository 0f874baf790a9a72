import { describe, expect, it } from 'vitest'
import { formatNative } from '../cli/amounts.js'
import { DEFAULT_NATIVE_CURRENCY, nativeCurrencyOf } from './nativeCurrency.js'

describe('nativeCurrencyOf', () => {
  it("names the pilot chains' gas currency from viem's chain list, ETH for chains it does not list", async () => {
    expect(await nativeCurrencyOf(100)).toEqual({ symbol: 'XDAI', decimals: 18 }) // Gnosis
    expect(await nativeCurrencyOf(246)).toEqual({ symbol: 'EWT', decimals: 18 }) // Energy Web
    expect(await nativeCurrencyOf(1)).toEqual({ symbol: 'ETH', decimals: 18 })
    expect(await nativeCurrencyOf(4_242_424_242)).toEqual(DEFAULT_NATIVE_CURRENCY)
  })

  it('gas costs are shown in that currency', async () => {
    expect(formatNative(5_068_920_000_000_000n, await nativeCurrencyOf(100))).toBe('0.00506892 XDAI')
  })
})
