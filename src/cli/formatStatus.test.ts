import { describe, expect, it } from 'vitest'
import { formatStatus } from './formatStatus.js'
import { intervalView, nodeStatusSchema } from './marketStatus.js'

describe('formatStatus', () => {
  it('names each unsettleable interval with its reason', () => {
    const body = {
      status: 'degraded',
      checks: { settlement: 'lagging' },
      account: '0x00000000000000000000000000000000000000a1',
      peers: 3,
      interval: { nextOpen: 12, closesAtMs: 1_700_000_000_000 },
      settlement: { pending: 1, oldestAgeMs: 90_000 },
      earnings: '0',
      settlementIntervals: [
        { interval: 9, result: 'queued', settlement: 'unsettleable', trades: 2, reason: 'InsufficientBalance' },
        { interval: 10, result: 'queued', settlement: 'pending', trades: 1, reason: null },
        { interval: 11, result: 'disputed', settlement: null, trades: 1, reason: null },
      ],
    }
    const views = nodeStatusSchema.parse(body).settlementIntervals.map(intervalView)
    const text = formatStatus(body, views)
    expect(text).toContain('settlement 1 pending, oldest 90 s, 2 unsettleable of the last 3 intervals')
    expect(text).toContain('  interval 9 unsettleable: InsufficientBalance')
    expect(text).toContain('  interval 11 unsettleable: peers cleared different results')
    expect(text).not.toContain('interval 10 unsettleable')
  })

  it('shows what a node did not send, or sent malformed, as "-" instead of throwing', () => {
    const text = formatStatus({ status: 'starting', interval: { closesAtMs: 'soon' }, earnings: '1.5' })
    expect(text).toContain('gate closes -')
    expect(text).toContain('earnings   -')
  })
})
