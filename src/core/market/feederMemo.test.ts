import { describe, expect, it } from 'vitest'
import { Side } from '../order/types.js'
import { clear } from './clear.js'
import { accountHash } from './feederMemo.js'
import type { GridClearing } from './grid.js'
import { accountN, bookOrder } from './testBooks.js'

describe('feederMemo', () => {
  it('hashes accounts equal ignoring case equally, non-ASCII tails included', () => {
    const a = '0x00000000000000000000000000000000000abcdef'
    expect(accountHash(a.toUpperCase().replace('0X', '0x'))).toBe(accountHash(a))
    // the Kelvin sign lower-cases to an ASCII k
    expect(accountHash('0x000000000000000000000000000000000000000\u212a')).toBe(
      accountHash('0x000000000000000000000000000000000000000k'),
    )
    expect(accountHash(accountN(1))).not.toBe(accountHash(accountN(2)))
  })

  it('asks feederOf once per account over clearings, with the same result as asking every time', () => {
    const asked: string[] = []
    const grid: GridClearing = {
      feederOf: (a) => {
        asked.push(a)
        return Number.parseInt(a.slice(-1), 16) % 2
      },
      transformerOf: [0, 0],
      feePerWh: [0n, 5n, 10n],
      feeRecipient: '0x00000000000000000000000000000000000000d5',
    }
    const orders = Array.from({ length: 8 }, (_, i) =>
      bookOrder(i, { side: i % 2 ? Side.Sell : Side.Buy, quantityWh: 100, limitPrice: 100_000 + 1_000 * i }),
    )
    const params = { rule: 'k-da', interval: 100n, retailPrice: 300_000n, feedInPrice: 80_000n } as const
    const first = clear(orders, params, [], grid)
    const second = clear(orders, params, [], grid)
    const fresh = clear(orders, params, [], { ...grid, feederOf: (a) => Number.parseInt(a.slice(-1), 16) % 2 })
    expect(asked).toHaveLength(8)
    expect(second.root).toBe(first.root)
    expect(fresh.root).toBe(first.root)
  })
})
