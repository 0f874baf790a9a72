import { type Account, type Chain, type Client, createClient, http, type Transport } from 'viem'
import { getChainId } from 'viem/actions'
import { localChain } from './contracts.js'
import { toChainError } from './describeRevert.js'
import { ChainError, ChainErrorCode } from './errors.js'
import { type NativeCurrency, nativeCurrencyOf } from './nativeCurrency.js'

export interface ConnectMarketArgs {
  rpcUrl: string
  /** The chain id the market file or config names; the RPC must answer with it. Omitted: whatever it answers. */
  chainId?: number
  /** Signing account (a local keystore account) for transactions. */
  account?: Account
  /** Receipt and block polling period, ms (default 1000; tests use less). */
  pollingMs?: number
  /** What the chain pays gas in (a market file's), or 'lookup' in viem's chain list; default ETH. */
  nativeCurrency?: NativeCurrency | 'lookup'
}

/**
 * Connects to a market's RPC endpoint and checks it serves the expected chain: every market command runs through
 * here, so a market file pointing at the wrong network fails before anything is read or signed.
 *
 * @example
 * const client = await connectMarket({ rpcUrl: market.rpcUrl, chainId: market.chainId, account })
 */
export async function connectMarket<A extends Account | undefined = undefined>(
  args: ConnectMarketArgs & { account?: A },
): Promise<Client<Transport, Chain, A>> {
  const probe = createClient({ transport: http(args.rpcUrl, { retryCount: 1, timeout: 15_000 }) })
  let actual: number
  try {
    actual = await getChainId(probe)
  } catch (err) {
    throw toChainError(err, { rpcUrl: args.rpcUrl })
  }
  if (args.chainId !== undefined && actual !== args.chainId) {
    throw new ChainError(`wrong chain: ${args.rpcUrl} serves chain ${actual}, the market is on chain ${args.chainId}`, {
      code: ChainErrorCode.WrongChain,
      field: 'chainId',
      details: "use the RPC URL of the market's chain (or the market file the operator deployed on this chain)",
    })
  }
  const native = args.nativeCurrency === 'lookup' ? await nativeCurrencyOf(actual) : args.nativeCurrency
  return createClient({
    chain: localChain(actual, args.rpcUrl, native),
    account: args.account as A,
    transport: http(args.rpcUrl, { retryCount: 2, timeout: 30_000 }),
    pollingInterval: args.pollingMs ?? 1000,
  }) as unknown as Client<Transport, Chain, A>
}
