import type { Worker } from 'node:worker_threads'
import { GridletError } from '../../src/core/errors.js'
import type { TradeRow } from '../outcome.js'
import { startTsWorker } from '../worker.js'
import type { PlanPart } from './plan.js'
import type { WorkerInit, WorkerJob } from './worker.js'

/** What a worker's clearing job hands back: its range's money per household and, if kept, its trades. */
export interface WorkerResult {
  readonly paid: Float64Array
  readonly received: Float64Array
  readonly trades?: TradeRow[]
}

/** One fast-mode worker thread (sim/fast/worker.ts): it plans its households, then clears what it is given. */
export interface FastWorker {
  /** The orders of its households, planned as soon as the thread starts. */
  readonly plan: Promise<PlanPart>
  /** Clears a range of intervals (once, after `plan`), reporting intervals done. */
  clear(job: WorkerJob, onProgress: (intervals: number) => void): Promise<WorkerResult>
  terminate(): void
}

type Message = { plan?: PlanPart; progress?: number; done?: boolean } & WorkerResult

/**
 * Starts a fast-mode worker thread. A failure rejects whichever of its jobs is pending.
 *
 * @example
 * const w = startFastWorker({ s, c, h0: 0, h1: 150 })
 * const part = await w.plan
 */
export function startFastWorker(init: WorkerInit): FastWorker {
  const w: Worker = startTsWorker(new URL('./worker.ts', import.meta.url), init)
  // The first failure sticks: a job asked for after it (or pending when it comes) is rejected with it.
  let failure: unknown
  let fail: (e: unknown) => void = () => {}
  let onDone: (r: WorkerResult) => void = () => {}
  let onProgress: (d: number) => void = () => {}
  let terminated = false
  const failed = (e: unknown) => {
    failure ??= e
    fail(failure)
  }
  const plan = new Promise<PlanPart>((resolve, reject) => {
    fail = reject
    w.on('message', (m: Message) => {
      if (m.plan) resolve(m.plan)
      if (m.progress) onProgress(m.progress)
      if (m.done) onDone(m)
    })
  })
  w.on('error', failed)
  w.on('exit', (code) => {
    // terminate() ends a thread with code 1: only an exit nobody asked for is a failure.
    if (code !== 0 && !terminated) {
      failed(new GridletError('a fast-mode worker failed', { code: 'SIM_FAST_WORKER', details: `exit code ${code}` }))
    }
  })
  return {
    plan,
    clear(job, progress) {
      return new Promise((resolve, reject) => {
        if (failure !== undefined) return reject(failure)
        fail = reject
        onProgress = progress
        onDone = resolve
        w.postMessage(job)
      })
    },
    terminate: () => {
      terminated = true
      void w.terminate()
    },
  }
}
