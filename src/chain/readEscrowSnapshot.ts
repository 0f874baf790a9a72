import { type Address, type Client, getAddress } from 'viem'
import { getBlock, getContractEvents, readContract } from 'viem/actions'
import type { OnChainCancels } from '../core/market/coverEscrow.js'
import { settlementAbi } from './contracts.js'
import { ChainError, ChainErrorCode } from './errors.js'

export type { OnChainCancels }

/** The chain state the escrow rule reads for one interval, at its reference block. */
export interface EscrowSnapshot {
  /** The reference block: the latest block with timestamp <= the reference time. */
  readonly blockNumber: bigint
  readonly blockTimestampS: bigint
  /** `availableOf` of each asked account at that block (checksummed keys). */
  readonly available: ReadonlyMap<Address, bigint>
  /** The intervals of the asked range that were settled at that block. */
  readonly settled: ReadonlySet<bigint>
  /**
   * The on-chain cancels of the asked interval (`cancelsOf`) at that block: the contract accepts them only until
   * the interval's reference point, so these are all there will ever be. Absent when no interval was asked.
   */
  readonly cancels?: OnChainCancels
}

/**
 * The latest block whose timestamp is at or before `atS`, or undefined while the chain has no block after `atS`
 * yet (a later block could still be stamped at or before it, so the reference is not final). Binary search over
 * block numbers, from `hint` (an earlier reference block) on.
 *
 * @example
 * const ref = await referenceBlock(client, 1_800_000_000n)
 */
export async function referenceBlock(
  client: Client,
  atS: bigint,
  hint = 0n,
): Promise<{ number: bigint; timestamp: bigint } | undefined> {
  const head = await getBlock(client, { blockTag: 'latest' })
  if (head.timestamp <= atS) return undefined
  let lo = hint // invariant: block lo has timestamp <= atS (block 0 may not: then there is no reference block)
  let hi = head.number // timestamp > atS
  const at = async (n: bigint) => (await getBlock(client, { blockNumber: n })).timestamp
  let loTime = await at(lo)
  if (loTime > atS) {
    if (lo === 0n)
      throw new ChainError('the chain begins after the reference time', {
        code: ChainErrorCode.Invalid,
        field: 'atS',
        details: `${atS}`,
      })
    return referenceBlock(client, atS, 0n)
  }
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n
    const t = await at(mid)
    if (t <= atS) {
      lo = mid
      loTime = t
    } else hi = mid
  }
  return { number: lo, timestamp: loTime }
}

/**
 * Reads what the escrow rule needs at the reference block of an interval (docs/protocol.md, "Escrow cover"): the
 * available escrow of `accounts` (`availableOfMany`) and which intervals of `settledRange` were settled (`settledWord`), all at one block every
 * node names the same way. Undefined while that block is not final yet (see `referenceBlock`).
 *
 * @example
 * const snap = await readEscrowSnapshot(client, { settlement, accounts, atS, settledRange: { from: k - 8n, to: k - 1n } })
 */
export async function readEscrowSnapshot(
  client: Client,
  args: {
    settlement: Address
    accounts: readonly Address[]
    atS: bigint
    /** Intervals whose settled flag to read (inclusive range, at most 128 · 64 intervals). */
    settledRange?: { readonly from: bigint; readonly to: bigint }
    /** The interval whose on-chain cancels to read (its cancel flag, then its cancel events up to the block). */
    cancelsOf?: bigint
    /** The first block to look for cancel events in (the contract's deployment block; default 0). */
    cancelsFromBlock?: bigint
    hint?: bigint
  },
): Promise<EscrowSnapshot | undefined> {
  const ref = await referenceBlock(client, args.atS, args.hint)
  if (!ref) return undefined
  const accounts = [...new Set(args.accounts.map((a) => getAddress(a)))]
  const common = { address: args.settlement, abi: settlementAbi, blockNumber: ref.number } as const
  const range = args.settledRange
  const words: bigint[] = []
  if (range && range.to >= range.from) {
    for (let w = range.from / 128n; w <= range.to / 128n; w++) words.push(w)
    if (words.length > 64) throw invalid('settledRange', 'more than 64 words of settled flags')
  }
  const [amounts, flags] = await Promise.all([
    accounts.length ? readContract(client, { ...common, functionName: 'availableOfMany', args: [accounts] }) : [],
    Promise.all(words.map((w) => readContract(client, { ...common, functionName: 'settledWord', args: [w] }))),
  ])
  if (amounts.length !== accounts.length) throw invalid('availableOfMany', 'wrong number of amounts')
  const settled = new Set<bigint>()
  words.forEach((w, i) => {
    for (let b = 0n; b < 128n; b++) if ((flags[i]! >> b) & 1n) settled.add(w * 128n + b)
  })
  const cancels =
    args.cancelsOf === undefined
      ? undefined
      : await readCancels(client, args.settlement, args.cancelsOf, args.cancelsFromBlock ?? 0n, ref.number)
  return {
    blockNumber: ref.number,
    blockTimestampS: ref.timestamp,
    available: new Map(accounts.map((a, i) => [a, amounts[i]!])),
    settled,
    ...(cancels ? { cancels } : {}),
  }
}

/**
 * The on-chain cancels of `interval` as of block `toBlock`: nothing when the interval's cancel flag (`settledWord`
 * bit 128 + b) is clear, else its `OrderCancelledOnChain` and `NoncesCancelled` events (indexed by interval).
 */
export async function readCancels(
  client: Client,
  settlement: Address,
  interval: bigint,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<OnChainCancels> {
  const orders = new Map<string, Set<string>>()
  const nonceFloor = new Map<string, bigint>()
  const word = await readContract(client, {
    address: settlement,
    abi: settlementAbi,
    functionName: 'settledWord',
    args: [interval / 128n],
    blockNumber: toBlock,
  })
  if (((word >> (128n + (interval % 128n))) & 1n) === 0n) return { orders, nonceFloor }
  const common = { address: settlement, abi: settlementAbi, fromBlock, toBlock, strict: true } as const
  const [ids, floors] = await Promise.all([
    getContractEvents(client, { ...common, eventName: 'OrderCancelledOnChain', args: { interval } }),
    getContractEvents(client, { ...common, eventName: 'NoncesCancelled', args: { interval } }),
  ])
  for (const e of ids) {
    if (e.args.interval !== interval) continue
    const a = e.args.account.toLowerCase()
    const set = orders.get(a) ?? new Set<string>()
    set.add(e.args.orderId.toLowerCase())
    orders.set(a, set)
  }
  for (const e of floors) {
    if (e.args.interval !== interval) continue
    const a = e.args.account.toLowerCase()
    const floor = e.args.upTo + 1n
    if (floor > (nonceFloor.get(a) ?? 0n)) nonceFloor.set(a, floor)
  }
  return { orders, nonceFloor }
}

function invalid(field: string, details: string): ChainError {
  return new ChainError('bad escrow snapshot answer', { code: ChainErrorCode.Invalid, field, details })
}
