/**
 * Test and benchmark helpers: builds cleared books of any size, signed with the core's `signOrder` (what nodes
 * use), the quorum's attestations of their result (the core's result announcement signature), and signs single
 * orders with viem's `signTypedData` as an independent implementation of the same typed data.
 */
import { type Address, type Hex, hashTypedData, keccak256, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type Agreement, rootOfResult, type SettlementTrade } from '../../src/chain/encodeSettlement.js'
import { signAttestations } from '../../src/chain/signAttestations.js'
import { signOrder } from '../../src/core/order/signOrder.js'
import type { MarketDomain, Order, VerifiedOrder } from '../../src/core/order/types.js'

export const ORDER_TYPES = {
  Order: [
    { name: 'market', type: 'bytes32' },
    { name: 'interval', type: 'uint64' },
    { name: 'side', type: 'uint8' },
    { name: 'quantityWh', type: 'uint64' },
    { name: 'limitPrice', type: 'uint128' },
    { name: 'account', type: 'address' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
} as const

export function marketDomain(chainId: number, settlement: Address): MarketDomain {
  return { name: 'gridlet', version: '1', chainId, verifyingContract: settlement }
}

/** Signs `order` with `privateKey` and returns it as a VerifiedOrder (id = EIP-712 digest). */
export async function signTestOrder(privateKey: Hex, domain: MarketDomain, order: Order): Promise<VerifiedOrder> {
  const typed = { domain, types: ORDER_TYPES, primaryType: 'Order', message: order } as const
  const signature = await privateKeyToAccount(privateKey).signTypedData(typed)
  return { order, signature, id: hashTypedData(typed) }
}

export interface Book {
  orders: VerifiedOrder[]
  trades: SettlementTrade[]
}

export interface BookOptions {
  domain: MarketDomain
  market: Hex
  interval: bigint
  /** Keys of the households; one order per household, or several (next nonce) when there are too few. */
  keys: readonly { address: Address; privateKey: Hex }[]
  trades: number
  /**
   * 'staircase': what a double auction clears: walking sorted buyers and sellers, consecutive trades share an order,
   * so n trades fill n + 1 orders. 'pairs': every trade has its own buyer and seller (2n orders, worst case).
   */
  shape?: 'staircase' | 'pairs'
  price?: bigint
  quantityWh?: bigint
  expiry?: bigint
  /**
   * A fee market's book: trade i crosses level i % 3 and pays fee = quantityWh * feePerWh[level]; buy limits are
   * raised by 1000 * the highest fee per Wh, so each buyer's price + fee stays within its limit.
   */
  feePerWh?: readonly [bigint, bigint, bigint]
}

/** Builds a valid cleared book: signed orders and the trades between them (uniform price, limits around it). */
export async function buildBook(opts: BookOptions): Promise<Book> {
  const price = opts.price ?? 250_000n
  const q = opts.quantityWh ?? 500n
  const n = opts.trades
  const maxFee = opts.feePerWh?.[2] ?? 0n
  const pairs = opts.shape === 'pairs'
  const legs = Array.from({ length: n }, (_, i) =>
    pairs ? { buy: i, sell: i } : { buy: Math.floor((i + 1) / 2), sell: Math.floor(i / 2) },
  )
  const buyCount = Math.max(...legs.map((l) => l.buy)) + 1
  const sellCount = Math.max(...legs.map((l) => l.sell)) + 1
  const filled = (side: 'buy' | 'sell', k: number) => BigInt(legs.filter((l) => l[side] === k).length) * q
  // One order per household when there are enough; otherwise buyers cycle through the first half of the keys and
  // sellers through the second (next nonce each round), so no household trades with itself.
  const len = opts.keys.length
  const half = Math.floor(len / 2)
  const cycle = buyCount + sellCount > len
  const slot = (side: 0 | 1, k: number) =>
    !cycle
      ? { key: side === 0 ? k : buyCount + k, nonce: 0 }
      : side === 0
        ? { key: k % half, nonce: Math.floor(k / half) }
        : { key: half + (k % (len - half)), nonce: Math.floor(k / (len - half)) }
  const sign = (side: 0 | 1, k: number) => {
    const at = slot(side, k)
    const key = opts.keys[at.key]!
    return signOrder(key.privateKey, opts.domain, {
      market: opts.market,
      interval: opts.interval,
      side,
      quantityWh: filled(side === 0 ? 'buy' : 'sell', k),
      limitPrice: side === 0 ? price + BigInt(k) + 1000n * maxFee : price - BigInt(k % 1000),
      account: key.address,
      nonce: BigInt(at.nonce),
      expiry: opts.expiry ?? 4_000_000_000n,
    })
  }
  const buys = Array.from({ length: buyCount }, (_, k) => sign(0, k))
  const sells = Array.from({ length: sellCount }, (_, k) => sign(1, k))
  const trades = legs.map(({ buy, sell }, i) => ({
    buyId: buys[buy]!.id,
    sellId: sells[sell]!.id,
    quantityWh: q,
    price,
    amount: (q * price) / 1000n,
    ...(opts.feePerWh && { level: i % 3, fee: q * opts.feePerWh[i % 3]! }),
  }))
  return { orders: [...buys, ...sells], trades }
}

export interface AgreementOptions {
  domain: MarketDomain
  market: Hex
  interval: bigint
  /** Households that sign the result (a quorum, or not, as the caller wants). */
  signers: readonly { address: Address; privateKey: Hex }[]
  /** Set hash signed in the `Result` (default: a hash of the interval). */
  setHash?: Hex
  /** A fee market's recipient: the agreement is then on the v2 root. */
  feeRecipient?: Address
}

/**
 * The agreement on a book built by `buildBook` (one uniform price: rule k-da at that price), signed by `signers`
 * exactly as nodes sign their result announcements.
 */
export function agreementFor(book: Book, opts: AgreementOptions): Agreement {
  const setHash = opts.setHash ?? keccak256(toHex(`set-${opts.interval}`))
  const agreement = {
    rule: 'k-da',
    clearingPrice: book.trades[0]?.price,
    ...(opts.feeRecipient && { feeRecipient: opts.feeRecipient }),
  } as const
  const root = rootOfResult(opts.interval, book.trades, agreement)
  const attestations = signAttestations(opts.signers, opts.domain, {
    market: opts.market,
    interval: opts.interval,
    setHash,
    root,
  })
  return { ...agreement, attestations }
}
