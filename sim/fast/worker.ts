import { parentPort, workerData } from 'node:worker_threads'
import type { MarketContext } from '../market/context.js'
import { orderIdHasher } from '../market/orderIds.js'
import type { TradeRow } from '../outcome.js'
import { type ClearInput, type ClearOutput, clearRange } from './clearRange.js'

/** Worker thread of fast mode: clears one range of intervals on shared arrays, reporting progress. */
export interface WorkerJob {
  readonly ctx: MarketContext
  readonly input: ClearInput
  readonly out: Omit<ClearOutput, 'paid' | 'received'>
  readonly k0: number
  readonly k1: number
  readonly keepTrades: boolean
}

const job = workerData as WorkerJob
const paid = new Float64Array(job.input.n)
const received = new Float64Array(job.input.n)
const trades: TradeRow[] | undefined = job.keepTrades ? [] : undefined
const ids = await orderIdHasher(job.ctx.domain, job.ctx.market, job.ctx.accounts)
const STEP = 48
for (let k = job.k0; k < job.k1; k += STEP) {
  const end = Math.min(job.k1, k + STEP)
  clearRange(job.ctx, ids, job.input, { ...job.out, paid, received }, k, end, trades)
  parentPort?.postMessage({ progress: end - k })
}
parentPort?.postMessage({ done: true, paid, received, trades })
