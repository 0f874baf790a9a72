import { type Address, type Hex, keccak256, toHex } from 'viem'
import { Side, type VerifiedOrder } from '../order/types.js'

/**
 * Unsigned books for tests and benchmarks of the matcher (which takes orders already verified): ids are
 * keccak256 of a counter, so they are unique, lower-case and look like real order hashes.
 */
export const TEST_MARKET = keccak256(toHex('gridlet/test-market'))

/** The EIP-712 domain test orders are signed in: anvil's chain id and the first contract address anvil deploys. */
export const TEST_DOMAIN = {
  name: 'gridlet',
  version: '1',
  chainId: 31337,
  verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
} as const

export interface BookOrder {
  readonly side: Side
  readonly quantityWh: number | bigint
  readonly limitPrice: number | bigint
  readonly account?: Address
  readonly nonce?: bigint
  readonly interval?: bigint
  readonly expiry?: bigint
}

/** Builds a verified-looking order; `seq` makes its id unique. */
export function bookOrder(seq: number, o: BookOrder, interval = 100n): VerifiedOrder {
  const order = {
    market: TEST_MARKET,
    interval: o.interval ?? interval,
    side: o.side,
    quantityWh: BigInt(o.quantityWh),
    limitPrice: BigInt(o.limitPrice),
    account: o.account ?? accountN(seq),
    nonce: o.nonce ?? 0n,
    expiry: o.expiry ?? 2n ** 40n,
  }
  return { order, signature: `0x${'00'.repeat(65)}` as Hex, id: keccak256(toHex(`order-${seq}`)) }
}

export function accountN(n: number): Address {
  return `0x${(n + 1).toString(16).padStart(40, '0')}` as Address
}

/** A random book from a seeded generator (xorshift32): prices around `mid`, quantities 1..maxQty Wh. */
export function randomBook(n: number, seed = 1, opts: { mid?: number; spread?: number; maxQty?: number } = {}) {
  const mid = opts.mid ?? 200_000
  const spread = opts.spread ?? 100_000
  const maxQty = opts.maxQty ?? 5_000
  let s = seed >>> 0 || 1
  const next = () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 2 ** 32
  }
  const orders: VerifiedOrder[] = []
  for (let i = 0; i < n; i++) {
    const side = next() < 0.5 ? Side.Buy : Side.Sell
    const limitPrice = Math.max(1, Math.round(mid + (next() - 0.5) * 2 * spread))
    orders.push(bookOrder(i, { side, quantityWh: 1 + Math.floor(next() * maxQty), limitPrice }))
  }
  return orders
}
