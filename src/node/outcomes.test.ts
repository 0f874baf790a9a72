import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { clear } from '../core/market/clear.js'
import type { GridClearing } from '../core/market/grid.js'
import { resultRoot } from '../core/market/resultRoot.js'
import { accountN, TEST_DOMAIN } from '../core/market/testBooks.js'
import { accountOf, signOrder } from '../core/order/signOrder.js'
import { Side } from '../core/order/types.js'
import { openStore } from '../store/index.js'
import { handOffCleared } from './outcomes.js'
import type { Settlement, SettlementBatch } from './ports.js'

const KEYS = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
] as const
const market = `0x${'11'.repeat(32)}` as const

describe('handOffCleared', () => {
  it("hands a grid result over with its fee recipient, levels and fees: the batch's root is the v2 root", () => {
    const store = openStore(':memory:')
    const [buy, sell] = KEYS.map((key, k) =>
      signOrder(key, TEST_DOMAIN, {
        market,
        interval: 9n,
        side: k === 0 ? Side.Buy : Side.Sell,
        quantityWh: 1_000n,
        limitPrice: k === 0 ? 300_000n : 100_000n,
        account: accountOf(key),
        nonce: 0n,
        expiry: 2_000_000_000n,
      }),
    )
    const feeRecipient = accountN(9)
    const grid: GridClearing = {
      feederOf: (a) => (a === buy!.order.account ? 0 : 1),
      transformerOf: [0, 0],
      feePerWh: [1n, 4n, 9n],
      feeRecipient,
    }
    const params = { rule: 'k-da', interval: 9n, retailPrice: 400_000n, feedInPrice: 80_000n } as const
    const result = clear([buy!, sell!], params, [], grid)
    store.saveResult(result, 2, 'cleared', 1, 1, 0, [])
    store.insertReceived(buy!, 1)
    store.insertReceived(sell!, 1)
    const batches: SettlementBatch[] = []
    const settlement = { enqueue: (_db: unknown, b: SettlementBatch) => batches.push(b) } as unknown as Settlement
    handOffCleared(
      { store, settlement, logger: pino({ level: 'silent' }), account: accountOf(KEYS[1]), market, submit: 'all' },
      0,
    )
    expect(batches).toHaveLength(1)
    const [b] = batches
    expect(b!.agreement.feeRecipient).toBe(feeRecipient)
    expect(b!.trades.map((t) => [t.level, t.fee])).toEqual([[1, 4_000n]])
    expect(b!.root).toBe(result.root)
    expect(resultRoot({ ...result, trades: b!.trades })).toBe(result.root)
  })
})
