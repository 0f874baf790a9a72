import { type Address, type Client, decodeFunctionData, erc20Abi, type Hex } from 'viem'
import {
  getBlock,
  getBlockNumber,
  getContractEvents,
  getTransaction,
  getTransactionReceipt,
  readContract,
} from 'viem/actions'
import { settlementAbi } from './contracts.js'

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

/** Bytes per trade in `settle`'s packed trades: buyOrder u16 | sellOrder u16 | quantityWh u32 | price u96. */
const TRADE_BYTES = 20

/**
 * The market's settlement history from the chain: every `Settled` event since `fromBlock` (the deployment block),
 * grouped by UTC day with the energy (decoded from each `settle` call's trades), the value and the gas paid.
 * Logs are read in windows of `logWindow` blocks (public RPCs cap eth_getLogs ranges).
 *
 * @example
 * const status = await readMarketStatus(client, { settlement, token, fromBlock: BigInt(market.deployment.block) })
 */
export async function readMarketStatus(
  client: Client,
  args: { settlement: Address; token: Address; fromBlock: bigint; logWindow?: bigint },
): Promise<MarketStatus> {
  const view = (functionName: string) =>
    readContract(client, { address: args.settlement, abi: settlementAbi, functionName } as never) as Promise<unknown>
  const toBlock = await getBlockNumber(client, { cacheTime: 0 })
  const [registered, households, quorum, escrowed] = await Promise.all([
    view('registeredCount'),
    view('householdCount'),
    view('quorum'),
    readContract(client, { address: args.token, abi: erc20Abi, functionName: 'balanceOf', args: [args.settlement] }),
  ])
  const window = args.logWindow ?? 5000n
  const events = []
  for (let from = args.fromBlock; from <= toBlock; from += window) {
    const to = from + window - 1n < toBlock ? from + window - 1n : toBlock
    events.push(
      ...(await getContractEvents(client, {
        address: args.settlement,
        abi: settlementAbi,
        eventName: 'Settled',
        fromBlock: from,
        toBlock: to,
      })),
    )
  }
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

/** Sum of quantityWh over the packed trades of a `settle` call (0 when the input is not one). */
function volumeOf(input: Hex): bigint {
  try {
    const { functionName, args } = decodeFunctionData({ abi: settlementAbi, data: input })
    if (functionName !== 'settle') return 0n
    const trades = (args as readonly unknown[])[1] as Hex
    let sum = 0n
    for (let p = 2; p + TRADE_BYTES * 2 <= trades.length; p += TRADE_BYTES * 2) {
      sum += BigInt(`0x${trades.slice(p + 8, p + 16)}`)
    }
    return sum
  } catch {
    return 0n
  }
}
