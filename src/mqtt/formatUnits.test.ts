import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatScaled, whToKwh } from './formatUnits.js'

describe('formatScaled', () => {
  it('formats Wh as kWh exactly', () => {
    expect(whToKwh(1_234_567)).toBe('1234.567')
    expect(whToKwh(1000)).toBe('1')
    expect(whToKwh(1)).toBe('0.001')
    expect(whToKwh(0)).toBe('0')
    expect(whToKwh(-1500)).toBe('-1.5')
    expect(whToKwh(100_010)).toBe('100.01')
    // A float division would print 9007199254740.991 only by luck; the text comes from the integer digits.
    expect(whToKwh(Number.MAX_SAFE_INTEGER)).toBe('9007199254740.991')
    expect(formatScaled(2n ** 80n, 6)).toBe('1208925819614629174.706176')
    expect(formatScaled(-5n, 6)).toBe('-0.000005')
    expect(formatScaled(42n, 0)).toBe('42')
  })

  it('refuses a non-integer', () => {
    expect(() => whToKwh(1.5)).toThrow(RangeError)
  })

  it('round-trips: the text, read as a decimal, is the integer scaled', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (v, d) => {
        const text = formatScaled(v, d)
        expect(text).toMatch(/^-?\d+(\.\d*[1-9])?$/)
        const [whole, fraction = ''] = text.replace('-', '').split('.')
        const back = BigInt(whole!) * 10n ** BigInt(d) + BigInt(fraction.padEnd(d, '0') || '0')
        expect(text.startsWith('-') ? -back : back).toBe(v)
      }),
    )
  })
})
