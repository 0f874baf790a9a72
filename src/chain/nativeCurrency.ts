/** A chain's native currency as people read gas costs in it. */
export interface NativeCurrency {
  readonly symbol: string
  readonly decimals: number
}

/** What a chain viem does not know pays gas in, as far as gridlet can tell: an Ethereum-like 18-decimal unit. */
export const DEFAULT_NATIVE_CURRENCY: NativeCurrency = { symbol: 'ETH', decimals: 18 }

/**
 * The native currency of chain `chainId` from viem's chain list (xDAI on Gnosis, EWT on Energy Web, ...), or
 * {@link DEFAULT_NATIVE_CURRENCY} for a chain it does not list (a local anvil, a consortium chain). The list is
 * loaded on first use (about a second): `market deploy` looks the currency up once and writes it into the market
 * file, which the other commands read.
 *
 * @example
 * await nativeCurrencyOf(100) // { symbol: 'XDAI', decimals: 18 }
 */
export async function nativeCurrencyOf(chainId: number): Promise<NativeCurrency> {
  const chains = Object.values(await import('viem/chains')) as { id?: number; nativeCurrency?: NativeCurrency }[]
  const known = chains.find((c) => c.id === chainId)?.nativeCurrency
  return known ? { symbol: known.symbol, decimals: known.decimals } : DEFAULT_NATIVE_CURRENCY
}
