import { describe, expect, it } from 'vitest'
import type { ChainError } from '../chain/errors.js'
import { meterIdOf } from '../chain/meterId.js'
import { formatAmount, formatNative, parseAmount } from './amounts.js'
import { parseHouseholdCsv } from './householdCsv.js'
import { intervalView } from './marketStatus.js'

const A = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const B = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const problem = (f: () => unknown) => {
  try {
    f()
    return 'accepted'
  } catch (e) {
    return `${(e as ChainError).field}: ${(e as ChainError).shortMessage}`
  }
}

describe('households CSV', () => {
  it('reads account,meter rows with a header, comments and blank lines', () => {
    const rows = parseHouseholdCsv(`account,meter\n# the street\n${A},SDM630-1\n\n${B.toLowerCase()} , SDM630-2\r\n`)
    expect(rows).toEqual([
      { line: 3, account: A, meter: 'SDM630-1', meterId: meterIdOf('SDM630-1') },
      { line: 5, account: B, meter: 'SDM630-2', meterId: meterIdOf('SDM630-2') },
    ])
  })

  it('names the line of a bad address, checksum, meter, duplicate or shape', () => {
    expect(problem(() => parseHouseholdCsv(`0x1234,m1`))).toBe(
      'account: households CSV line 1: "0x1234" is not an address',
    )
    expect(problem(() => parseHouseholdCsv(`${A.replace('C8', 'c8')},m1`))).toMatch(/line 1: .* wrong checksum/)
    expect(problem(() => parseHouseholdCsv(`${A},${'x'.repeat(40)}`))).toMatch(/^meter: households CSV line 1/)
    expect(problem(() => parseHouseholdCsv(`${A},m1\n${A},m2`))).toBe(
      `account: households CSV line 2: account ${A} is already on line 1`,
    )
    expect(problem(() => parseHouseholdCsv(`${A},m1\n${B},m1`))).toBe(
      'meter: households CSV line 2: meter m1 is already on line 1',
    )
    expect(problem(() => parseHouseholdCsv(`${A},m1,extra`))).toMatch(/^csv: .*3 fields/)
  })
})

describe('amounts in display units', () => {
  const gEUR = { symbol: 'gEUR', decimals: 6 }
  it('parses exactly, refuses more decimals than the token has, and --raw takes smallest units', () => {
    expect(parseAmount('12.5', gEUR)).toBe(12_500_000n)
    expect(parseAmount('0.000001', gEUR)).toBe(1n)
    expect(parseAmount('12500000', gEUR, true)).toBe(12_500_000n)
    for (const bad of ['1.0000001', '-1', '1e3', '', '.5', '1,5'])
      expect(problem(() => parseAmount(bad, gEUR))).toMatch(/^amount: /)
    expect(problem(() => parseAmount('1.5', gEUR, true))).toMatch(/smallest units/)
    expect(parseAmount('123456789012345678901234567890', { symbol: 'X', decimals: 18 })).toBe(
      123456789012345678901234567890n * 10n ** 18n,
    )
  })
  it('formats', () => {
    expect(formatAmount(12_500_000n, gEUR)).toBe('12.5 gEUR')
    expect(formatAmount(12_500_000n, gEUR, true)).toBe('12500000 units')
    expect(formatNative(5_068_920_000_000_000n)).toBe('0.00506892 ETH')
  })
})

describe("market status: a node's interval", () => {
  const i = (result: string, settlement: string | null, reason: string | null = null) =>
    intervalView({ interval: 7, result, settlement, trades: 2, reason })
  it('is pending, unsettleable with a reason, or settled', () => {
    expect(i('disputed', null).state).toBe('unsettleable')
    expect(i('queued', 'unsettleable', 'InsufficientBalance(0, 0xabc, 1, 2)')).toEqual({
      interval: 7,
      state: 'unsettleable',
      reason: 'InsufficientBalance(0, 0xabc, 1, 2)',
    })
    expect(i('queued', 'conflict').reason).toMatch(/another result root/)
    expect(i('queued', 'sent')).toMatchObject({ state: 'pending', reason: 'settlement transaction sent' })
    expect(i('queued', 'pending').state).toBe('pending')
    expect(i('unconfirmed', null).state).toBe('pending')
    expect(i('queued', 'final').state).toBe('settled')
    expect(i('nothing', null).state).toBe('no trades')
  })
})
