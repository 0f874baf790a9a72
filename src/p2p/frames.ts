import type { AbortOptions, Stream } from '@libp2p/interface'
import { GridletError } from '../core/errors.js'

/**
 * One varint-length-prefixed frame per direction is all a gridlet request/response protocol needs (binding,
 * reconcile). Framing is done here on the libp2p v3 message stream API (`send` + async iteration) so the adapter
 * depends on nothing but `@libp2p/interface`.
 */
export async function writeFrame(stream: Stream, payload: Uint8Array, options?: AbortOptions): Promise<void> {
  const header = encodeVarint(payload.length)
  const frame = new Uint8Array(header.length + payload.length)
  frame.set(header, 0)
  frame.set(payload, header.length)
  if (!stream.send(frame)) await stream.onDrain(options)
}

/**
 * Reads exactly one frame of at most `maxBytes` from `stream`. Throws `FRAME_TOO_LARGE` before buffering an
 * oversized frame and `FRAME_TRUNCATED` when the stream ends early.
 */
export async function readFrame(stream: Stream, maxBytes: number, options?: AbortOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let buffered = 0
  const onAbort = () => stream.abort(options?.signal?.reason ?? new GridletError('aborted', { code: 'P2P_ABORTED' }))
  options?.signal?.throwIfAborted()
  options?.signal?.addEventListener('abort', onAbort, { once: true })
  let header: { value: number; offset: number } | undefined
  try {
    for await (const chunk of stream) {
      const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
      chunks.push(bytes)
      buffered += bytes.length
      // The length prefix is read once and the body joined once, when complete: joining the chunks on every
      // arrival would copy a large frame (a set of thousands of ids) quadratically often.
      header ??= decodeVarint(concat(chunks, buffered))
      if (header === undefined) continue
      if (header.value > maxBytes) {
        throw new GridletError('frame too large', { code: 'FRAME_TOO_LARGE', details: `${header.value} > ${maxBytes}` })
      }
      const end = header.offset + header.value
      if (buffered >= end) return concat(chunks, buffered).slice(header.offset, end)
    }
  } finally {
    options?.signal?.removeEventListener('abort', onAbort)
  }
  throw new GridletError('stream ended inside a frame', { code: 'FRAME_TRUNCATED', details: `${buffered} bytes` })
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  chunks.splice(0, chunks.length, out)
  return out
}

function encodeVarint(n: number): Uint8Array {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return Uint8Array.from(out)
}

function decodeVarint(buf: Uint8Array): { value: number; offset: number } | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < Math.min(buf.length, 5); i++) {
    const b = buf[i]!
    value += (b & 0x7f) * scale
    if ((b & 0x80) === 0) return { value, offset: i + 1 }
    scale *= 128
  }
  if (buf.length >= 5) throw new GridletError('frame length prefix too long', { code: 'FRAME_TOO_LARGE' })
  return undefined
}
