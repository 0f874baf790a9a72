import { describe, expect, it } from 'vitest'
import { Side } from '../order/types.js'
import { MAX_CLEARING_PRICE, MAX_CLEARING_QUANTITY_WH, selectBook } from './selectBook.js'
import { bookOrder } from './testBooks.js'

describe('selectBook price bound', () => {
  it('keeps a limit of 2^96 - 1 and leaves out 2^96, which no on-chain trade price (uint96) could carry', () => {
    expect(MAX_CLEARING_PRICE).toBe(2n ** 96n - 1n)
    const top = bookOrder(1, { side: Side.Buy, quantityWh: 10, limitPrice: 2n ** 96n - 1n })
    const over = bookOrder(2, { side: Side.Buy, quantityWh: 10, limitPrice: 2n ** 96n })
    expect(selectBook([top, over], [], { interval: 100n }).map((o) => o.id)).toEqual([top.id])
  })
})

describe('selectBook quantity bound', () => {
  it('keeps 2^32 - 1 Wh and leaves out 2^32 Wh, which no on-chain trade quantity (uint32) could carry', () => {
    expect(MAX_CLEARING_QUANTITY_WH).toBe(2n ** 32n - 1n)
    const top = bookOrder(1, { side: Side.Sell, quantityWh: 2 ** 32 - 1, limitPrice: 10n })
    const over = bookOrder(2, { side: Side.Sell, quantityWh: 2 ** 32, limitPrice: 10n })
    expect(selectBook([top, over], [], { interval: 100n }).map((o) => o.id)).toEqual([top.id])
  })
})
