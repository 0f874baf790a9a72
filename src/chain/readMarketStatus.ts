import {
  type Address,
  BaseError,
  type Client,
  decodeFunctionData,
  erc20Abi,
  type Hex,
  HttpRequestError,
  TimeoutError,
} from 'viem'
import {
  getBlock,
  getBlockNumber,
  getContractEvents,
  getTransaction,
  getTransactionReceipt,
  readContract,
} from 'viem/actions'
import { settlementAbi } from './contracts.js'
import { toChainError } from './describeRevert.js'
import { ChainError, ChainErrorCode } from './errors.js'

/** One UTC day of settlement, as `gridlet market status` prints it. */
export interface SettlementDay {
  /** `YYYY-MM-DD` (UTC) of the blocks that settled. */
  readonly day: string
  readonly intervals: number
  readonly trades: number
  /** Energy traded, Wh (from the settled batches' trades). */
  readonly volumeWh: bigint
  /** Money moved from buyers to sellers, token units. */
  readonly value: bigint
  readonly gasUsed: bigint
  /** Gas paid, wei (gasUsed * effective gas price). */
  readonly gasCost: bigint
}

export interface MarketStatus {
  readonly registered: number
  readonly households: number
  readonly quorum: number
  /** Tokens held by the contract (all escrow balances), token units. */
  readonly escrowed: bigint
  readonly settledIntervals: readonly bigint[]
  readonly days: readonly SettlementDay[]
  readonly fromBlock: bigint
  readonly toBlock: bigint
}

/**
 * Bytes per trade in the packed trades: buyOrder u16 | sellOrder u16 | quantityWh u32 | price u96, and in
 * `settleWithFees` (a fee market) then level u8 | feePerWh u64.
 */
const TRADE_BYTES = { settle: 20, settleWithFees: 29 } as const

export interface ReadMarketStatusArgs {
  settlement: Address
  token: Address
  /** First block to read `Settled` events from (the deployment's, or a later one to look at less history). */
  fromBlock: bigint
  /**
   * Blocks per eth_getLogs query (default 2,000; public RPCs cap ranges at 1k to 10k blocks or 10k logs). A query
   * the RPC refuses (range or result limit) is halved and asked again, down to one block.
   */
  logWindow?: bigint
  /** A progress line per page read (blocks read so far, events found). */
  progress?: (line: string) => void
}

/**
 * The market's settlement history from the chain: every `Settled` event from `fromBlock` to the head, read page by
 * page, grouped by UTC day with the energy (decoded from each `settle` call's trades), the value and the gas paid.
 *
 * @example
 * const status = await readMarketStatus(client, { settlement, token, fromBlock: BigInt(market.deployment.block) })
 */
export async function readMarketStatus(client: Client, args: ReadMarketStatusArgs): Promise<MarketStatus> {
  const view = (functionName: string) =>
    readContract(client, { address: args.settlement, abi: settlementAbi, functionName } as never) as Promise<unknown>
  const toBlock = await getBlockNumber(client, { cacheTime: 0 })
  const [registered, households, quorum, escrowed] = await Promise.all([
    view('registeredCount'),
    view('householdCount'),
    view('quorum'),
    readContract(client, { address: args.token, abi: erc20Abi, functionName: 'balanceOf', args: [args.settlement] }),
  ])
  const events = await readSettledEvents(client, args, toBlock)
  const days = new Map<
    string,
    { intervals: number; trades: number; volumeWh: bigint; value: bigint; gasUsed: bigint; gasCost: bigint }
  >()
  const blockTime = new Map<bigint, number>()
  for (const e of events) {
    const block = e.blockNumber as bigint
    if (!blockTime.has(block)) blockTime.set(block, Number((await getBlock(client, { blockNumber: block })).timestamp))
    const day = new Date(blockTime.get(block)! * 1000).toISOString().slice(0, 10)
    const [tx, receipt] = await Promise.all([
      getTransaction(client, { hash: e.transactionHash as Hex }),
      getTransactionReceipt(client, { hash: e.transactionHash as Hex }),
    ])
    const args_ = e.args as { trades?: bigint; totalAmount?: bigint }
    const d = days.get(day) ?? { intervals: 0, trades: 0, volumeWh: 0n, value: 0n, gasUsed: 0n, gasCost: 0n }
    d.intervals += 1
    d.trades += Number(args_.trades ?? 0n)
    d.value += args_.totalAmount ?? 0n
    d.volumeWh += volumeOf(tx.input)
    d.gasUsed += receipt.gasUsed
    d.gasCost += receipt.gasUsed * receipt.effectiveGasPrice
    days.set(day, d)
  }
  return {
    registered: Number(registered),
    households: Number(households),
    quorum: Number(quorum),
    escrowed: escrowed as bigint,
    settledIntervals: events.map((e) => (e.args as { interval: bigint }).interval),
    days: [...days].map(([day, d]) => ({ day, ...d })).sort((a, b) => a.day.localeCompare(b.day)),
    fromBlock: args.fromBlock,
    toBlock,
  }
}

/** Sum of quantityWh over the packed trades of a `settle` or `settleWithFees` call (0 when the input is neither). */
function volumeOf(input: Hex): bigint {
  try {
    const { functionName, args } = decodeFunctionData({ abi: settlementAbi, data: input })
    if (functionName !== 'settle' && functionName !== 'settleWithFees') return 0n
    const size = TRADE_BYTES[functionName] * 2
    const trades = (args as readonly unknown[])[1] as Hex
    let sum = 0n
    for (let p = 2; p + size <= trades.length; p += size) {
      sum += BigInt(`0x${trades.slice(p + 8, p + 16)}`)
    }
    return sum
  } catch {
    return 0n
  }
}

/** Reads `Settled` events page by page, halving the page whenever the RPC refuses its range. */
async function readSettledEvents(client: Client, args: ReadMarketStatusArgs, toBlock: bigint) {
  const events = []
  let page = args.logWindow ?? 2000n
  if (page < 1n)
    throw new ChainError('the log page must be at least one block', {
      code: ChainErrorCode.InvalidInput,
      field: 'logWindow',
    })
  for (let from = args.fromBlock; from <= toBlock; ) {
    const to = from + page - 1n < toBlock ? from + page - 1n : toBlock
    let logs: Awaited<ReturnType<typeof getSettled>>
    try {
      logs = await getSettled(client, args.settlement, from, to)
    } catch (err) {
      if (page > 1n && refusedRange(err)) {
        page /= 2n
        args.progress?.(`the RPC refused blocks ${from}..${to}: reading ${page} blocks at a time`)
        continue
      }
      throw toChainError(err, { action: `reading settlements in blocks ${from}..${to}` })
    }
    events.push(...logs)
    args.progress?.(
      `reading settlements: blocks ${args.fromBlock}..${to} of ${args.fromBlock}..${toBlock}, ${events.length} found`,
    )
    from = to + 1n
  }
  return events
}

function getSettled(client: Client, settlement: Address, fromBlock: bigint, toBlock: bigint) {
  return getContractEvents(client, {
    address: settlement,
    abi: settlementAbi,
    eventName: 'Settled',
    fromBlock,
    toBlock,
  })
}

/** What RPCs say when a log query is too wide or returns too much (Infura, Alchemy, QuickNode, geth, Erigon...). */
const RANGE_REFUSAL =
  /block range|range (is )?too|too (many|large|wide|big)|exceed|more than \d+ (results|logs|blocks)|limit|response size/i

/**
 * Whether eth_getLogs was refused for its size: the RPC answered with an error (a JSON-RPC error, or an HTTP error
 * saying so). An RPC that did not answer at all is down, not refusing: that is thrown as it is.
 */
function refusedRange(err: unknown): boolean {
  if (!(err instanceof BaseError)) return false
  if (RANGE_REFUSAL.test(`${err.shortMessage} ${err.details}`)) return true
  return !err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError)
}

/**
 * The first block at or after `timestamp` (seconds) in `low..high` (binary search over block timestamps: about
 * log2(high - low) block reads): where `market status --days N` starts reading.
 *
 * @example
 * const fromBlock = await firstBlockAfter(client, { timestamp: nowS - 7n * 86_400n, low: deployBlock, high: head })
 */
export async function firstBlockAfter(
  client: Client,
  args: { timestamp: bigint; low: bigint; high: bigint },
): Promise<bigint> {
  let { low, high } = args
  while (low < high) {
    const mid = (low + high) / 2n
    if ((await getBlock(client, { blockNumber: mid })).timestamp < args.timestamp) low = mid + 1n
    else high = mid
  }
  return low
}
