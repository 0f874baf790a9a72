import { parentPort, workerData } from 'node:worker_threads'
import type { MarketContext } from '../market/context.js'
import { orderIdHasher } from '../market/orderIds.js'
import type { TradeRow } from '../outcome.js'
import type { Scenario } from '../scenario/schema.js'
import { type ClearInput, type ClearOutput, clearRange } from './clearRange.js'
import { type PlanningCommunity, planHouseholds } from './plan.js'

/** What a fast-mode worker thread starts with: it plans the orders of households [h0, h1) and posts them. */
export interface WorkerInit {
  readonly s: Scenario
  readonly c: PlanningCommunity
  readonly h0: number
  readonly h1: number
}

/** Its second job, once the whole plan is joined: clear one range of intervals on shared arrays. */
export interface WorkerJob {
  readonly ctx: MarketContext
  readonly input: ClearInput
  readonly out: Omit<ClearOutput, 'paid' | 'received'>
  readonly k0: number
  readonly k1: number
  readonly keepTrades: boolean
}

const STEP = 48

async function clear(job: WorkerJob): Promise<void> {
  const paid = new Float64Array(job.input.n)
  const received = new Float64Array(job.input.n)
  const trades: TradeRow[] | undefined = job.keepTrades ? [] : undefined
  const ids = await orderIdHasher(job.ctx.domain, job.ctx.market, job.ctx.accounts)
  for (let k = job.k0; k < job.k1; k += STEP) {
    const end = Math.min(job.k1, k + STEP)
    clearRange(job.ctx, ids, job.input, { ...job.out, paid, received }, k, end, trades)
    parentPort?.postMessage({ progress: end - k })
  }
  parentPort?.postMessage({ done: true, paid, received, trades })
}

const init = workerData as WorkerInit
parentPort?.once('message', (job: WorkerJob) => void clear(job))
const part = planHouseholds(init.s, init.c, init.h0, init.h1)
const buffers = [part.start, part.side, part.qty, part.limit].map((a) => a.buffer as ArrayBuffer)
parentPort?.postMessage({ plan: part }, buffers)
