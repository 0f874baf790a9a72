import { InvalidParametersError } from '@libp2p/interface'
import { InvalidMessageLengthError, LengthPrefixedDecoder } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

/** The fields of `LengthPrefixedDecoder` (private in the library's types) its `decode` reads. */
interface DecoderFields {
  buffer: Uint8ArrayList
  maxBufferSize: number
  maxDataLength: number
  lengthDecoder(data: Uint8ArrayList): number
  encodingLength(length: number): number
}

let installed = false

/**
 * Makes `@libp2p/utils`' `LengthPrefixedDecoder` (7.x), which Noise uses to split a connection's bytes into its
 * frames, stop when its buffer is empty instead of asking the length decoder for a prefix that is not there. The
 * library learns that the buffer holds no complete prefix from the `RangeError` the decoder throws, so each chunk
 * read from a socket ended with an exception and its stack trace: 5% of a market node's CPU in `bench:p2p`.
 * Otherwise the same loop as the library's: the same limits, errors and frames. Idempotent.
 */
export function installLengthPrefixedDecoderFastPath(): void {
  if (installed) return
  installed = true
  const proto = LengthPrefixedDecoder.prototype as unknown as {
    decode(this: DecoderFields, buf: Uint8Array | Uint8ArrayList): Generator<Uint8ArrayList>
  }
  proto.decode = function* (this: DecoderFields, buf) {
    this.buffer.append(buf)
    if (this.buffer.byteLength > this.maxBufferSize) {
      throw new InvalidParametersError(`Buffer length limit exceeded - ${this.buffer.byteLength}/${this.maxBufferSize}`)
    }
    while (this.buffer.byteLength > 0) {
      let dataLength: number
      try {
        dataLength = this.lengthDecoder(this.buffer)
      } catch (err) {
        // a prefix split across chunks: wait for the rest
        if (err instanceof RangeError) break
        throw err
      }
      if (dataLength < 0 || dataLength > this.maxDataLength)
        throw new InvalidMessageLengthError('Invalid message length')
      const lengthLength = this.encodingLength(dataLength)
      const chunkLength = lengthLength + dataLength
      if (this.buffer.byteLength < chunkLength) break
      const frame = this.buffer.sublist(lengthLength, chunkLength)
      this.buffer.consume(chunkLength)
      if (frame.byteLength > 0) yield frame
    }
  }
}
