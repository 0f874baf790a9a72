/**
 * Fee markets on a real anvil: a grid batch settles, buyers pay amount + fee, sellers get the amount, the fee
 * recipient alone withdraws exactly the fees. The refusals are in the attack catalogue (attacks/fees.ts).
 */
import { type Address, parseEventLogs } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { settlementAbi, testTokenAbi } from '../../src/chain/contracts.js'
import { readMarketStatus } from '../../src/chain/readMarketStatus.js'
import { settleBatch } from '../../src/chain/settleBatch.js'
import { type AuditContext, startAuditContext } from './auditContext.js'
import { feeMarketOf } from './feeMarket.js'

let ctx: AuditContext
beforeAll(async () => {
  ctx = await startAuditContext()
})
afterAll(async () => ctx?.stop())

describe('settleWithFees', () => {
  it('debits buyers amount + fee, credits sellers the amount, accrues the fees for the recipient', async () => {
    const m = await feeMarketOf(ctx)
    const read = <T>(functionName: string, args: readonly unknown[] = []) =>
      ctx.pub.readContract({ address: m.settlement, abi: settlementAbi, functionName, args } as never) as Promise<T>
    const interval = await ctx.interval()
    const book = await m.book(interval, 6)
    const batch = await m.encode(interval, book)
    expect(batch.feeRecipient).toBe(m.recipient.address)
    const accounts = ctx.dev.accounts.map((a) => a.address)
    const before = await Promise.all(accounts.map((a) => read<bigint>('balanceOf', [a])))
    const hash = await settleBatch(ctx.submitter, { settlement: m.settlement, batch })
    const receipt = await ctx.pub.waitForTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    const [settled] = parseEventLogs({ abi: settlementAbi, logs: receipt.logs, eventName: 'Settled' })
    expect(settled?.args).toMatchObject({ interval, root: batch.root, trades: 6n, totalAmount: batch.totalAmount })

    const expected = new Map<Address, bigint>()
    const add = (a: Address, v: bigint) => expected.set(a, (expected.get(a) ?? 0n) + v)
    let fees = 0n
    for (const t of book.trades) {
      add(book.orders.find((o) => o.id === t.buyId)!.order.account, -(t.amount + t.fee!))
      add(book.orders.find((o) => o.id === t.sellId)!.order.account, t.amount)
      fees += t.fee!
    }
    expect(fees).toBeGreaterThan(0n)
    const after = await Promise.all(accounts.map((a) => read<bigint>('balanceOf', [a])))
    for (const [i, a] of accounts.entries()) expect(after[i]! - before[i]!).toBe(expected.get(a) ?? 0n)
    const status = await readMarketStatus(ctx.pub, { settlement: m.settlement, token: ctx.dev.token, fromBlock: 0n })
    expect(status.days.reduce((v, d) => v + d.volumeWh, 0n)).toBe(book.trades.reduce((v, t) => v + t.quantityWh, 0n))
    const [accrued] = parseEventLogs({ abi: settlementAbi, logs: receipt.logs, eventName: 'FeesAccrued' })
    expect(accrued?.args).toMatchObject({ interval, fees })
    expect(await read('feesAccrued')).toBe(fees)

    const token = (a: Address) =>
      ctx.pub.readContract({ address: ctx.dev.token, abi: testTokenAbi, functionName: 'balanceOf', args: [a] })
    const held = await token(m.recipient.address)
    const wallet = ctx.walletOf(m.recipient.privateKey)
    await ctx.pub.request({
      method: 'anvil_setBalance' as never,
      params: [m.recipient.address, '0x56bc75e2d63100000'] as never,
    })
    expect(await ctx.write(wallet, 'withdrawFees', [], m.settlement)).toEqual({ refused: false, error: '' })
    expect((await token(m.recipient.address)) - held).toBe(fees)
    expect(await read('feesAccrued')).toBe(0n)
  })

  it('a plain market has no fee recipient and nothing accrued', async () => {
    const read = (functionName: string) =>
      ctx.pub.readContract({ address: ctx.dev.settlement, abi: settlementAbi, functionName } as never)
    expect(await read('feeRecipient')).toBe('0x0000000000000000000000000000000000000000')
    expect(await read('maxFeePerWh')).toBe(0n)
    expect(await read('feesAccrued')).toBe(0n)
  })
})
