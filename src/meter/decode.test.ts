import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeRaw, decodeValue, encodeRaw, VALUE_TYPES, WORD_ORDERS } from './decode.js'

describe('register decoding', () => {
  it('known answer: 1250.0 W is 44 9C 40 00 (ABCD); read with the wrong word order it becomes 2.004', () => {
    const abcd = Buffer.from('449c4000', 'hex')
    expect(decodeRaw(abcd, 0, 'float32', 'ABCD')).toBe(1250)
    expect(decodeRaw(Buffer.from('4000449c', 'hex'), 0, 'float32', 'CDAB')).toBe(1250)
    expect(decodeRaw(Buffer.from('9c440040', 'hex'), 0, 'float32', 'BADC')).toBe(1250)
    expect(decodeRaw(Buffer.from('00409c44', 'hex'), 0, 'float32', 'DCBA')).toBe(1250)
    expect(decodeRaw(abcd, 0, 'float32', 'CDAB')).toBeCloseTo(2.004, 3)
  })

  it('known answer: Carlo Gavazzi int32 low word first', () => {
    // 18507 = 0x0000484B -> words 484B 0000 on the wire
    expect(decodeRaw(Buffer.from('484b0000', 'hex'), 0, 'int32', 'CDAB')).toBe(18507)
    expect(decodeRaw(Buffer.from('f448ffff', 'hex'), 0, 'int32', 'CDAB')).toBe(-3000)
  })

  it('not available is undefined, never 0: NaN floats, SunSpec sentinels, profile sentinels', () => {
    expect(decodeValue(Buffer.from('7fc00000', 'hex'), 0, { type: 'float32' })).toBeUndefined()
    expect(decodeValue(Buffer.from('8000', 'hex'), 0, { type: 'int16', sunspec: true })).toBeUndefined()
    expect(decodeValue(Buffer.from('8000', 'hex'), 0, { type: 'int16' })).toBe(-32768)
    expect(decodeValue(Buffer.from('ffff', 'hex'), 0, { type: 'uint16', sunspec: true })).toBeUndefined()
    expect(decodeValue(Buffer.from('8000', 'hex'), 0, { type: 'sunssf', sunspec: true })).toBeUndefined()
    expect(decodeValue(Buffer.from('00000000', 'hex'), 0, { type: 'acc32', sunspec: true })).toBe(0)
    expect(
      decodeValue(Buffer.from('ffffffff', 'hex'), 0, { type: 'uint32', notAvailable: [0xffffffff] }),
    ).toBeUndefined()
  })

  it('property: encode then decode is the identity for every type and word order', () => {
    const ranges = {
      int16: fc.integer({ min: -32768, max: 32767 }),
      sunssf: fc.integer({ min: -32768, max: 32767 }),
      uint16: fc.integer({ min: 0, max: 0xffff }),
      int32: fc.integer({ min: -2147483648, max: 2147483647 }),
      uint32: fc.integer({ min: 0, max: 0xffffffff }),
      acc32: fc.integer({ min: 0, max: 0xffffffff }),
      float32: fc.float({ noNaN: true, noDefaultInfinity: true }),
    } as const
    for (const type of VALUE_TYPES) {
      fc.assert(
        fc.property(ranges[type], fc.constantFrom(...WORD_ORDERS), (value, order) => {
          const buf = Buffer.alloc(6)
          encodeRaw(buf, 2, type, value, order)
          expect(decodeRaw(buf, 2, type, order)).toBe(value)
        }),
      )
    }
  })
})
