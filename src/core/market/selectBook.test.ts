import fc from 'fast-check'
import type { Address } from 'viem'
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

describe('selectBook cancels', () => {
  // Ids and accounts of any shape, with cancels naming them in another case (or with a character that lower-cases
  // to ASCII, or one that lower-cases to two): the selection's key look-up must withdraw exactly what comparing
  // the lower-cased texts withdraws.
  const text = fc
    .tuple(
      fc.constantFrom('0x', '0X', '', '\u0130'),
      fc.string({
        unit: fc.constantFrom('0', 'a', 'A', 'f', 'k', 'K', '\u212a', '\u0130', 'i', '\u00df'),
        maxLength: 10,
      }),
    )
    .map(([head, tail]) => head + tail)
  const variant = fc.constantFrom(
    (x: string) => x,
    (x: string) => x.toUpperCase(),
    (x: string) => x.toLowerCase(),
    (x: string) => x.replaceAll('k', '\u212a'),
  )
  it('withdraws exactly the orders a cancel of the same account names, ignoring case', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), variant, variant, fc.boolean()), { maxLength: 30 }),
        (shapes, picks) => {
          const accounts = ['0xaB01', '0xab02', '0XAB03', '0xAb\u212a4'] as const
          const orders = shapes.map(([id, a], i) => ({
            ...bookOrder(i, {
              side: Side.Buy,
              quantityWh: 1,
              limitPrice: 1,
              account: accounts[a]! as Address,
              nonce: BigInt(i),
            }),
            id: `${id}.${i}` as `0x${string}`,
          }))
          const cancels = picks.map(([p, idCase, accountCase, own]) => {
            const o = orders[p % orders.length]!
            const account = own ? o.order.account : accounts[(p + 1) % accounts.length]!
            return {
              cancel: {
                ...o.order,
                account: accountCase(account) as `0x${string}`,
                orderId: idCase(o.id) as `0x${string}`,
              },
              signature: o.signature,
            }
          })
          const low = (x: string) => x.toLowerCase()
          const expected = orders.filter(
            (o) =>
              !cancels.some(
                ({ cancel }) => low(cancel.orderId) === low(o.id) && low(cancel.account) === low(o.order.account),
              ),
          )
          expect(selectBook(orders, cancels, { interval: 100n }).map((o) => o.id)).toEqual(expected.map((o) => o.id))
        },
      ),
      { numRuns: 300 },
    )
  })
})
