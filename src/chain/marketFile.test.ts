import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeRevert } from './describeRevert.js'
import { ChainError } from './errors.js'
import { loadMarketFile, type MarketFile, marketFeesOf, parseMarketFile, writeMarketFile } from './marketFile.js'
import { meterIdOf, meterText } from './meterId.js'

const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as const
const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const
const market: MarketFile = {
  format: 'gridlet-market/1',
  name: 'my-street',
  marketId: h(1),
  chainId: 100,
  rpcUrl: 'https://rpc.example/',
  contract: a(2),
  token: { address: a(3), symbol: 'gEUR', decimals: 6 },
  timing: { intervalLength: 900, gateClosure: 60, settleDelay: 0, settlementWindow: 604_800, withdrawalDelay: 691_200 },
  operator: a(4),
  admin: a(5),
  deployment: { tx: h(6), block: 7 },
  codeHash: h(8),
}

describe('market file', () => {
  it('round-trips, is world-readable, and is never overwritten', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gridlet-market-')), 'm', 'market.json')
    writeMarketFile(path, market)
    expect(loadMarketFile(path)).toEqual(market)
    expect(statSync(path).mode & 0o777).toBe(0o644)
    expect(() => writeMarketFile(path, market)).toThrow(/refusing to overwrite/)
    writeFileSync(path, '{not json')
    expect(() => loadMarketFile(path)).toThrow(/cannot read market file/)
    expect(readFileSync(path, 'utf8')).toBe('{not json')
  })

  it("carries a fee market's fees (optional) and names a bad fee field", () => {
    const fees = { recipient: a(9), maxFeePerWh: '340282366920938463463374607431768211455' }
    expect(parseMarketFile({ ...market, fees })).toEqual({ ...market, fees })
    expect(marketFeesOf({ ...market, fees })).toEqual({ recipient: a(9), maxFeePerWh: 2n ** 128n - 1n })
    expect(marketFeesOf(market)).toBeUndefined()
    const field = (f: object) => {
      try {
        parseMarketFile({ ...market, fees: { ...fees, ...f } })
        return 'accepted'
      } catch (e) {
        return (e as ChainError).field
      }
    }
    expect(field({ maxFeePerWh: (2n ** 128n).toString() })).toBe('fees.maxFeePerWh')
    expect(field({ maxFeePerWh: '-1' })).toBe('fees.maxFeePerWh')
    expect(field({ recipient: a(0) })).toBe('fees.recipient')
  })

  it('names the bad field', () => {
    const bad = (patch: object) => {
      try {
        parseMarketFile({ ...market, ...patch })
        return 'accepted'
      } catch (e) {
        return (e as ChainError).field
      }
    }
    expect(bad({ chainId: 0 })).toBe('chainId')
    expect(bad({ contract: '0x1234' })).toBe('contract')
    expect(bad({ token: { ...market.token, decimals: 77 } })).toBe('token.decimals')
    expect(bad({ timing: { ...market.timing, intervalLength: 0 } })).toBe('timing.intervalLength')
    expect(bad({ extra: 1 })).toBe('')
    expect(bad({ format: 'gridlet-market/2' })).toBe('format')
  })
})

describe('meter ids and revert sentences', () => {
  it('a text meter id survives the round trip; hex ids pass as they are; bad ones are refused', () => {
    expect(meterText(meterIdOf('SDM630-0042'))).toBe('SDM630-0042')
    expect(meterIdOf(h(0xabc))).toBe(h(0xabc))
    expect(meterText(h(0))).toBe('-')
    expect(meterText('0x' + 'ff'.repeat(32))).toBe('0x' + 'ff'.repeat(32))
    expect(() => meterIdOf('x'.repeat(33))).toThrow(ChainError)
    expect(() => meterIdOf(' padded')).toThrow(ChainError)
    expect(() => meterIdOf('')).toThrow(ChainError)
  })

  it('says the contract errors in words', () => {
    expect(describeRevert({ name: 'MeterInUse', args: [meterIdOf('m1')] })).toBe(
      'meter m1 is already registered to another account',
    )
    expect(describeRevert({ name: 'WithdrawalNotReady', args: [a(1), 1_800_000_000n] })).toBe(
      'the withdrawal is not ready yet: it can be executed from 2027-01-15T08:00:00Z',
    )
    expect(describeRevert({ name: 'AccessControlUnauthorizedAccount', args: [a(1), h(2)] })).toMatch(
      /does not hold the operator role/,
    )
    expect(describeRevert({ name: 'Mystery', args: [1n, 'x'] })).toBe('reverted with Mystery(1, x)')
  })
})
