import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bookFor, type Net, outcomesFor, startNet, submitAll, upcomingInterval } from './harness.js'

describe('3 honest nodes', () => {
  let net: Net
  beforeAll(async () => {
    net = await startNet({ n: 3 })
  })
  afterAll(() => net?.stop())

  it('agree on the same non-empty result', async () => {
    const k = upcomingInterval(net.clock)
    const done = outcomesFor(net.nodes, k)
    const book = bookFor(net.hs, k)
    await submitAll(net.nodes, book)
    const outcomes = await done
    const roots = new Set(outcomes.map((o) => o.root))
    expect(roots.size).toBe(1)
    expect(outcomes.every((o) => o.agreed && !o.adopted)).toBe(true)
    expect(outcomes[0]!.orders).toHaveLength(3)
    expect(outcomes[0]!.result.trades.length).toBeGreaterThan(0)
  })
})
