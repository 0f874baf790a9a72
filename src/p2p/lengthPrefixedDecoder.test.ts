import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { installLengthPrefixedDecoderFastPath } from './lengthPrefixedDecoder.js'

/** Noise's framing: a 2-byte big-endian length, then the frame. */
const frame = (...bytes: number[]) => Uint8Array.from([bytes.length >> 8, bytes.length & 0xff, ...bytes])

function noiseDecoder(throws: { count: number }) {
  return new LengthPrefixedDecoder({
    lengthDecoder: (data: Uint8ArrayList | Uint8Array) => {
      if (data.length < 2) {
        throws.count++
        throw new RangeError('Could not decode int16BE')
      }
      return data instanceof Uint8Array ? (data[0]! << 8) | data[1]! : data.getUint16(0)
    },
    encodingLength: () => 2,
  })
}

const frames = (gen: Generator<Uint8ArrayList>) => [...gen].map((f) => [...f.subarray()])

describe('installLengthPrefixedDecoderFastPath', () => {
  installLengthPrefixedDecoderFastPath()

  it('splits whole, joined and split frames as before, without a RangeError for an emptied buffer', () => {
    const throws = { count: 0 }
    const d = noiseDecoder(throws)
    expect(frames(d.decode(frame(1, 2, 3)))).toEqual([[1, 2, 3]])
    const two = new Uint8Array([...frame(4), ...frame(5, 6)])
    expect(frames(d.decode(two))).toEqual([[4], [5, 6]])
    const long = frame(7, 8, 9, 10)
    expect(frames(d.decode(long.subarray(0, 1)))).toEqual([])
    expect(frames(d.decode(long.subarray(1, 4)))).toEqual([])
    expect(frames(d.decode(long.subarray(4)))).toEqual([[7, 8, 9, 10]])
    // only the prefix split across chunks needed the decoder's RangeError
    expect(throws.count).toBe(1)
  })

  it('keeps the length limit', () => {
    const d = new LengthPrefixedDecoder({ maxDataLength: 2 })
    expect(() => [...d.decode(Uint8Array.from([3, 1, 2, 3]))]).toThrow('Invalid message length')
  })
})
