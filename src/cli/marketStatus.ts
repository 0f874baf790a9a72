import { type Command, InvalidArgumentError } from 'commander'
import { getBlock } from 'viem/actions'
import { z } from 'zod'
import { toChainError } from '../chain/describeRevert.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { firstBlockAfter, readMarketStatus } from '../chain/readMarketStatus.js'
import { formatAmount, formatNative } from './amounts.js'
import { type CliIo, run } from './cliIo.js'
import { type MarketContext, type MarketOptions, marketOption, openMarket, rpcOption } from './marketContext.js'

/** What `market status` reads of a node's /api/status (validated: it crosses a trust boundary). */
export const nodeStatusSchema = z.object({
  account: z.string(),
  settlementIntervals: z
    .array(
      z.object({
        interval: z.number(),
        result: z.string(),
        settlement: z.string().nullable(),
        trades: z.number(),
        reason: z.string().nullable().optional(),
      }),
    )
    .max(1000)
    .default([]),
})

/** An interval as the network sees it: pending (on its way), unsettleable (with the reason), or done. */
export interface IntervalView {
  readonly interval: number
  readonly state: 'pending' | 'unsettleable' | 'settled' | 'no trades'
  readonly reason: string
}

/**
 * Judges one interval of a node's status: where it stands between clearing and the chain, and why.
 *
 * @example
 * intervalView({ interval: 7, result: 'disputed', settlement: null, trades: 2 }).state // 'unsettleable'
 */
export function intervalView(i: z.infer<typeof nodeStatusSchema>['settlementIntervals'][number]): IntervalView {
  const at = (state: IntervalView['state'], reason: string) => ({ interval: i.interval, state, reason })
  if (i.result === 'nothing' || i.trades === 0) return at('no trades', 'nothing to settle')
  if (i.result === 'disputed')
    return at('unsettleable', 'peers cleared different results: no quorum on one result root')
  if (i.result === 'cleared') return at('pending', 'cleared, waiting for the result vote')
  if (i.result === 'unconfirmed') return at('pending', 'waiting for a quorum of result attestations')
  switch (i.settlement) {
    case 'confirmed':
    case 'final':
      return at('settled', `settled (${i.settlement})`)
    case 'unsettleable':
      return at('unsettleable', i.reason ?? 'the contract refuses the batch')
    case 'conflict':
      return at('unsettleable', 'the chain settled this interval with another result root')
    case 'sent':
      return at('pending', 'settlement transaction sent')
    default:
      return at('pending', 'queued for settlement')
  }
}

/** Registers `gridlet market status`. */
export function registerMarketStatusCommand(market: Command, io: CliIo): void {
  market
    .command('status')
    .description("the market from the chain (settled intervals, volume, value, gas per day) and from nodes' APIs")
    .addOption(marketOption().default('market.json'))
    .addOption(rpcOption())
    .option('--node <url...>', "a node's HTTP API (e.g. http://127.0.0.1:8080): its pending and unsettleable intervals")
    .option('--raw', "amounts in the token's smallest units")
    .option('--from-block <n>', 'read settlements from this block (default: the deployment block)', blockArg)
    .option('--days <n>', 'read settlements of the last N days only (by block time)', daysArg)
    .option('--log-page <blocks>', 'blocks per eth_getLogs query (halved when the RPC refuses a range)', pageArg)
    .action(
      run(io, async (o: MarketOptions & StatusOptions) => {
        const ctx = await openMarket(io, o)
        const s = await readMarketStatus(ctx.client, {
          settlement: ctx.contract,
          token: ctx.token.address,
          fromBlock: await startBlock(ctx, o),
          logWindow: o.logPage,
          progress: (line) => io.progress(line),
        })
        io.progress('')
        const money = (x: bigint) => formatAmount(x, ctx.token, o.raw)
        io.out(`market "${ctx.name}" on chain ${ctx.chainId}, contract ${ctx.contract}`)
        io.out(`households  ${s.registered} registered (${s.households} ever), quorum ${s.quorum}`)
        io.out(`escrow      ${money(s.escrowed)} held`)
        const last = s.settledIntervals.at(-1)
        io.out(
          `settled     ${s.settledIntervals.length} intervals${last === undefined ? '' : ` (last ${last})`}, blocks ${s.fromBlock}..${s.toBlock}`,
        )
        if (s.days.length > 0) {
          io.out('day         intervals  trades  energy        value               gas used    gas paid')
          for (const d of s.days) {
            io.out(
              `${d.day}  ${String(d.intervals).padEnd(9)}  ${String(d.trades).padEnd(6)}  ${`${(Number(d.volumeWh) / 1000).toFixed(3)} kWh`.padEnd(12)}  ${money(d.value).padEnd(18)}  ${String(d.gasUsed).padEnd(10)}  ${formatNative(d.gasCost, ctx.native)}`,
            )
          }
        }
        const silent: string[] = []
        for (const url of o.node ?? []) {
          const intervals = await nodeIntervals(url).catch((err: unknown) => {
            if (!(err instanceof ChainError)) throw err
            io.out(`node ${url}: ${err.shortMessage}`)
            silent.push(url)
          })
          if (!intervals) continue
          const views = intervals.map(intervalView)
          const pending = views.filter((v) => v.state === 'pending')
          const bad = views.filter((v) => v.state === 'unsettleable')
          io.out(
            `node ${url}: ${pending.length} pending, ${bad.length} unsettleable of its last ${views.length} intervals`,
          )
          for (const v of [...bad, ...pending]) io.out(`  interval ${v.interval}  ${v.state.padEnd(12)}  ${v.reason}`)
        }
        // The other nodes are shown; the command still fails, so a script watching the market notices.
        if (silent.length > 0) {
          throw new ChainError(`${silent.length} of ${o.node!.length} nodes gave no status: ${silent.join(', ')}`, {
            code: ChainErrorCode.RpcDown,
            field: 'node',
          })
        }
      }),
    )
}

interface StatusOptions {
  node?: string[]
  fromBlock?: bigint
  days?: number
  logPage?: bigint
}

function blockArg(value: string): bigint {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('must be a block number (digits)')
  return BigInt(value)
}

function pageArg(value: string): bigint {
  const blocks = blockArg(value)
  if (blocks < 1n || blocks > 1_000_000n) throw new InvalidArgumentError('must be 1..1000000 blocks')
  return blocks
}

function daysArg(value: string): number {
  const days = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || days <= 0 || days > 36_500) {
    throw new InvalidArgumentError('must be a positive number of days')
  }
  return days
}

/** The first block to read: --from-block, the first block of the last --days, or the deployment block. */
async function startBlock(ctx: MarketContext, o: StatusOptions): Promise<bigint> {
  if (o.fromBlock !== undefined && o.days !== undefined) {
    throw new ChainError('give --from-block or --days, not both', { code: ChainErrorCode.InvalidInput, field: 'days' })
  }
  if (o.fromBlock !== undefined) return o.fromBlock
  if (o.days === undefined) return ctx.fromBlock
  const head = await getBlock(ctx.client).catch((err: unknown) => {
    throw toChainError(err, { rpcUrl: ctx.rpcUrl })
  })
  const since = head.timestamp - BigInt(Math.round(o.days * 86_400))
  return firstBlockAfter(ctx.client, { timestamp: since, low: ctx.fromBlock, high: head.number })
}

async function nodeIntervals(url: string) {
  let body: unknown
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/api/status`, { signal: AbortSignal.timeout(5000) })
    body = await res.json()
  } catch (cause) {
    throw new ChainError(`no node answering at ${url}`, { code: ChainErrorCode.RpcDown, field: 'node', cause })
  }
  const parsed = nodeStatusSchema.safeParse(body)
  if (!parsed.success) {
    throw new ChainError(`${url} answered something that is not a gridlet node's status`, {
      code: ChainErrorCode.InvalidInput,
      field: 'node',
      details: parsed.error.issues[0]?.message,
    })
  }
  return parsed.data.settlementIntervals
}
