import { createTestClient, http } from 'viem'
import { getBlock, mine, setNextBlockTimestamp } from 'viem/actions'
import type { Clock } from '../core/time/clock.js'

/**
 * Keeps a local anvil's block time up with a market clock that runs ahead of real time (the dev demo's
 * `--demo-speed`, a simulation's accelerated clock): every `everyMs` real milliseconds, if the clock is ahead of
 * the latest block, mines a block stamped with the clock's time. The contract settles an interval only after its
 * start by block time, so a chain living in real time would refuse every interval such a clock produces.
 * Dev and simulation chains only: a real chain's time is its own. Returns a function that stops following.
 *
 * @example
 * const stop = followClock(dev.rpcUrl, demoClock(60))
 */
export function followClock(rpcUrl: string, clock: Pick<Clock, 'now'>, opts: { everyMs?: number } = {}): () => void {
  const client = createTestClient({ mode: 'anvil', transport: http(rpcUrl, { retryCount: 0 }) })
  let busy = false
  const step = async () => {
    if (busy) return
    busy = true
    try {
      const target = BigInt(Math.floor(clock.now() / 1000))
      const latest = await getBlock(client, { blockTag: 'latest' })
      if (target > latest.timestamp) {
        await setNextBlockTimestamp(client, { timestamp: target })
        await mine(client, { blocks: 1 })
      }
    } catch {
      // anvil busy or stopping, or a block was mined in between with a later time: try again next time
    } finally {
      busy = false
    }
  }
  void step()
  const timer = setInterval(() => void step(), opts.everyMs ?? 1000)
  timer.unref()
  return () => clearInterval(timer)
}
