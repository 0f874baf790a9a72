/** followClock against a real anvil: the chain's block time catches up with a clock that runs ahead. */
import { createPublicClient, http } from 'viem'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Anvil, startAnvil } from '../../src/chain/anvil.js'
import { followClock } from '../../src/chain/followClock.js'
import { manualClock } from '../../src/core/time/clock.js'

let anvil: Anvil
beforeAll(async () => {
  anvil = await startAnvil()
})
afterAll(async () => anvil?.stop())

it('mines blocks stamped with the clock while it is ahead of the chain, never back in time', async () => {
  const pub = createPublicClient({ transport: http(anvil.rpcUrl) })
  const start = (await pub.getBlock()).timestamp
  const clock = manualClock(Number(start + 86_400n) * 1000)
  const stop = followClock(anvil.rpcUrl, clock, { everyMs: 50 })
  try {
    await expect.poll(async () => (await pub.getBlock()).timestamp, { timeout: 5_000 }).toBe(start + 86_400n)
    clock.advance(3_600_000)
    await expect.poll(async () => (await pub.getBlock()).timestamp, { timeout: 5_000 }).toBe(start + 90_000n)
  } finally {
    stop()
  }
  const behind = followClock(anvil.rpcUrl, manualClock(Number(start) * 1000), { everyMs: 50 })
  await new Promise((r) => setTimeout(r, 200))
  behind()
  expect((await pub.getBlock()).timestamp).toBe(start + 90_000n)
})
