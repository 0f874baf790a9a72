import { describe, expect, it } from 'vitest'
import { OrderErrorCode } from '../order/errors.js'
import { accountOf, signCancel, signOrder } from '../order/signOrder.js'
import { Side } from '../order/types.js'
import { verifyCancel } from '../order/verifyOrder.js'
import { clear } from './clear.js'
import { IntervalBook } from './intervalBook.js'
import { TEST_MARKET } from './testBooks.js'

const keys = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
] as const
const domain = { name: 'gridlet', version: '1', chainId: 31337, verifyingContract: accountOf(keys[0]) } as const
const params = { rule: 'k-da', interval: 10n, retailPrice: 300_000n, feedInPrice: 80_000n } as const
const order = (k: 0 | 1, side: Side, quantityWh: bigint, nonce = 0n) =>
  signOrder(keys[k], domain, {
    market: TEST_MARKET,
    interval: 10n,
    side,
    quantityWh,
    limitPrice: 200_000n,
    account: accountOf(keys[k]),
    nonce,
    expiry: 2n ** 40n,
  })

describe('IntervalBook', () => {
  it('is idempotent and order-independent', () => {
    const a = order(0, Side.Buy, 100n)
    const b = order(1, Side.Sell, 100n)
    const x = new IntervalBook(10n)
    const y = new IntervalBook(10n)
    expect(x.addOrder(a)).toBe('added')
    expect(x.addOrder(a)).toBe('duplicate')
    x.addOrder(b)
    y.addOrder(b)
    y.addOrder(a)
    expect(x.setHash()).toBe(y.setHash())
    expect(clear(x.orders(), params).root).toBe(clear(y.orders(), params).root)
  })

  it('reports an equivocation, keeps both orders and voids the slot in the book', () => {
    const book = new IntervalBook(10n)
    book.addOrder(order(1, Side.Sell, 100n))
    book.addOrder(order(0, Side.Buy, 100n, 3n))
    expect(() => book.addOrder(order(0, Side.Buy, 200n, 3n))).toThrowError(
      expect.objectContaining({ code: OrderErrorCode.DuplicateNonce }),
    )
    expect(book.orders()).toHaveLength(3)
    expect(book.book().map((o) => o.order.side)).toEqual([Side.Sell])
  })

  it('a signed cancel withdraws the order; a cancel signed by someone else does not verify', () => {
    const buy = order(0, Side.Buy, 100n)
    const sell = order(1, Side.Sell, 100n)
    const cancel = { market: TEST_MARKET, interval: 10n, account: buy.order.account, orderId: buy.id }
    const signed = signCancel(keys[0], domain, cancel)
    const id = verifyCancel(signed, { domain, market: TEST_MARKET })
    const book = new IntervalBook(10n)
    book.addOrder(buy)
    book.addOrder(sell)
    expect(clear(book.orders(), params, book.cancels()).trades).toHaveLength(1)
    book.addCancel(signed, id)
    expect(clear(book.orders(), params, book.cancels()).trades).toHaveLength(0)
    expect(() => verifyCancel(signCancel(keys[1], domain, cancel), { domain, market: TEST_MARKET })).toThrowError(
      expect.objectContaining({ code: OrderErrorCode.BadSignature }),
    )
  })
})
