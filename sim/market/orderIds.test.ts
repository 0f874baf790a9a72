import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashOrder } from '../../src/core/order/eip712.js'
import { parseScenario } from '../scenario/schema.js'
import { marketContext, orderFor } from './context.js'
import { orderIdHasher } from './orderIds.js'

const scenario = parseScenario({
  name: 'ids',
  seed: 99,
  period: { start: '2013-01-14T14:00:00Z', days: 1 },
  tariff: { retail: 250000, feedIn: 70000 },
  households: { count: 5 },
})

describe('orderIdHasher', () => {
  it('gives the core hashOrder id for any order the simulator builds', async () => {
    const ctx = marketContext(scenario, 754_540)
    const ids = await orderIdHasher(ctx.domain, ctx.market, ctx.accounts)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 17_520 }),
        fc.constantFrom(0 as const, 1 as const),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 2 ** 47 }),
        fc.integer({ min: 0, max: 40 }),
        (h, k, side, qty, limit, nonce) => {
          const order = orderFor(ctx, h, k, side, qty, limit, nonce)
          const id = ids.id(Number(order.interval), side, qty, limit, h, nonce, Number(order.expiry))
          expect(id).toBe(hashOrder(ctx.domain, order))
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('householdKeys', () => {
  it('are the dev chain households: anvil test-mnemonic accounts 1..n', async () => {
    const { devKeys } = await import('../../src/chain/devAccounts.js')
    const { householdKeys } = await import('./context.js')
    expect(householdKeys(3)).toEqual(
      devKeys(4)
        .slice(1)
        .map((k) => k.privateKey),
    )
  })
})
