import { DatabaseSync } from 'node:sqlite'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { rootOfResult } from '../../chain/encodeSettlement.js'
import { manualClock } from '../../core/time/clock.js'
import { batcherSettlement } from './batcherSettlement.js'

describe('batcherSettlement', () => {
  it('keeps a batch without attestations as unsettleable, with its reason, in status and in the metric', async () => {
    const registry = new Registry()
    const db = new DatabaseSync(':memory:')
    const settlement = batcherSettlement({
      db,
      rpcUrl: 'http://127.0.0.1:1', // never called: nothing is sent
      chainId: 31337,
      settlement: '0x00000000000000000000000000000000000000aa',
      privateKey: `0x${'11'.repeat(32)}`,
      clock: manualClock(1_700_000_000_000),
      tickMs: 60_000,
      retryBaseMs: 1000,
      registry,
    })
    settlement.migrate(db)
    const agreement = { rule: 'k-da' as const, clearingPrice: 150_000n, attestations: [] }
    const root = rootOfResult(7n, [], agreement)
    settlement.enqueue(db, { key: 'm:7', interval: 7, root, trades: [], orders: [], agreement })

    expect(settlement.status?.(7)).toBe('unsettleable')
    expect(settlement.reason?.(7)).toBe('no attestations handed over')
    const metric = await registry.getSingleMetric('gridlet_settlement_outcomes_total')!.get()
    expect(metric.values).toEqual([{ labels: { state: 'unsettleable' }, value: 1 }])
    expect(settlement.backlog(1_700_000_000_000).pending).toBe(0)
  })
})
