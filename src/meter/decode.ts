/**
 * Register values to numbers and back. Multi-register values are first brought into ABCD (big-endian bytes, high
 * word first) order, then read with a DataView. Not-available sentinels become `undefined`, never 0.
 */

export const VALUE_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'acc32', 'sunssf'] as const
export type ValueType = (typeof VALUE_TYPES)[number]
export const WORD_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const
export type WordOrder = (typeof WORD_ORDERS)[number]

/** Registers a value of this type occupies. */
export function registerCount(type: ValueType): 1 | 2 {
  return type === 'int16' || type === 'uint16' || type === 'sunssf' ? 1 : 2
}

/** Byte index in the wire order for each ABCD position, per word order. */
const PERMUTATION: Record<WordOrder, readonly number[]> = {
  ABCD: [0, 1, 2, 3],
  CDAB: [2, 3, 0, 1],
  BADC: [1, 0, 3, 2],
  DCBA: [3, 2, 1, 0],
}

/** Scratch for reinterpreting 32 bits as a float (decoding is synchronous, so one view serves all). */
const SCRATCH = new DataView(new ArrayBuffer(4))

/**
 * Raw value as the device encodes it, before scaling: integers for integer types, a float for float32. The bytes
 * are picked in ABCD order with plain integer arithmetic (no per-byte view writes: this runs for every value of
 * every reading); a byte beyond the end of `regs` reads as 0.
 */
export function decodeRaw(regs: Uint8Array, byteOffset: number, type: ValueType, order: WordOrder = 'ABCD'): number {
  const o = byteOffset
  if (registerCount(type) === 1) {
    const swapped = order === 'BADC' || order === 'DCBA'
    const word = ((regs[swapped ? o + 1 : o]! << 8) | regs[swapped ? o : o + 1]!) & 0xffff
    return type === 'uint16' ? word : (word << 16) >> 16
  }
  let bits: number
  switch (order) {
    case 'ABCD':
      bits = (regs[o]! << 24) | (regs[o + 1]! << 16) | (regs[o + 2]! << 8) | regs[o + 3]!
      break
    case 'CDAB':
      bits = (regs[o + 2]! << 24) | (regs[o + 3]! << 16) | (regs[o]! << 8) | regs[o + 1]!
      break
    case 'BADC':
      bits = (regs[o + 1]! << 24) | (regs[o]! << 16) | (regs[o + 3]! << 8) | regs[o + 2]!
      break
    case 'DCBA':
      bits = (regs[o + 3]! << 24) | (regs[o + 2]! << 16) | (regs[o + 1]! << 8) | regs[o]!
      break
  }
  if (type === 'int32') return bits | 0
  if (type === 'float32') {
    SCRATCH.setInt32(0, bits)
    return SCRATCH.getFloat32(0)
  }
  return bits >>> 0 // uint32, acc32
}

/**
 * Decodes one value; `undefined` when the device says "not available": NaN/Inf floats, the type's SunSpec sentinel
 * when `sunspec` is set, or any raw value listed in `notAvailable`.
 */
export function decodeValue(
  regs: Uint8Array,
  byteOffset: number,
  spec: { type: ValueType; wordOrder?: WordOrder; notAvailable?: readonly number[]; sunspec?: boolean },
): number | undefined {
  const raw = decodeRaw(regs, byteOffset, spec.type, spec.wordOrder)
  if (!Number.isFinite(raw)) return undefined
  if (spec.notAvailable?.includes(raw)) return undefined
  if (spec.sunspec && sunspecNotImplemented(spec.type, raw)) return undefined
  return raw
}

/** SunSpec "not implemented" encodings (sunspec/pysunspec2 `mb.py`). */
function sunspecNotImplemented(type: ValueType, raw: number): boolean {
  if (type === 'int16') return raw === -32768
  if (type === 'uint16') return raw === 0xffff
  if (type === 'int32') return raw === -2147483648
  if (type === 'uint32') return raw === 0xffffffff
  // acc32 0 means "not accumulated" in the spec, but a grid meter's export counter is legitimately 0 on a house
  // without PV: reading it as "not available" would make such meters unusable, so acc32 has no sentinel here.
  return type === 'sunssf' && raw === -32768
}

/** Writes `raw` (already scaled to the device's units) into `regs` at `byteOffset` in the given order. */
export function encodeRaw(
  regs: Uint8Array,
  byteOffset: number,
  type: ValueType,
  raw: number,
  order: WordOrder = 'ABCD',
): void {
  const bytes = new Uint8Array(4)
  const view = new DataView(bytes.buffer)
  switch (type) {
    case 'int16':
    case 'sunssf':
      view.setInt16(0, clamp(Math.round(raw), -32768, 32767))
      break
    case 'uint16':
      view.setUint16(0, clamp(Math.round(raw), 0, 0xffff))
      break
    case 'int32':
      view.setInt32(0, clamp(Math.round(raw), -2147483648, 2147483647))
      break
    case 'uint32':
    case 'acc32':
      view.setUint32(0, clamp(Math.round(raw), 0, 0xffffffff))
      break
    case 'float32':
      view.setFloat32(0, raw)
      break
  }
  const width = registerCount(type) * 2
  const perm = width === 2 ? (order === 'BADC' || order === 'DCBA' ? [1, 0] : [0, 1]) : PERMUTATION[order]
  for (let i = 0; i < width; i++) regs[byteOffset + perm[i]!] = bytes[i]!
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi)
}
