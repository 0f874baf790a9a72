import { MeterError } from '../errors.js'

/**
 * The server side of Modbus framing, for the simulator: the TCP MBAP header and RTU frames with their CRC. The
 * reader speaks through modbus-serial (`../transport.ts`); the simulator keeps its own small server because it must
 * inject faults (delays, drops, disconnects, gateway exceptions) per request, which modbus-serial's servers do not.
 */

const CRC_TABLE = (() => {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1
    table[i] = crc
  }
  return table
})()

/** Modbus RTU CRC-16 (poly 0xA001, init 0xFFFF) of `buf[start, end)`; sent low byte first. */
export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffff
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ buf[i]!) & 0xff]!
  return crc
}

/** TCP application data unit: MBAP header (transaction id, protocol 0, length, unit id) + PDU. */
export function encodeTcpAdu(transactionId: number, unitId: number, pdu: Uint8Array): Buffer {
  const adu = Buffer.allocUnsafe(7 + pdu.length)
  adu.writeUInt16BE(transactionId, 0)
  adu.writeUInt16BE(0, 2)
  adu.writeUInt16BE(pdu.length + 1, 4)
  adu[6] = unitId
  adu.set(pdu, 7)
  return adu
}

/** RTU frame: unit id + PDU + CRC (low byte first). */
export function encodeRtuAdu(unitId: number, pdu: Uint8Array): Buffer {
  const adu = Buffer.allocUnsafe(pdu.length + 3)
  adu[0] = unitId
  adu.set(pdu, 1)
  adu.writeUInt16LE(crc16(adu, 0, pdu.length + 1), pdu.length + 1)
  return adu
}

export interface TcpAdu {
  transactionId: number
  unitId: number
  pdu: Buffer
}

/**
 * Splits a TCP byte stream into ADUs. Returns the complete ADUs and the unconsumed rest; throws BAD_REPLY when the
 * header cannot be Modbus (wrong protocol id or length), after which the stream cannot be resynchronised.
 */
export function splitTcpAdus(buf: Buffer): { adus: TcpAdu[]; rest: Buffer } {
  const adus: TcpAdu[] = []
  let offset = 0
  while (buf.length - offset >= 7) {
    const length = buf.readUInt16BE(offset + 4)
    if (buf.readUInt16BE(offset + 2) !== 0 || length < 2 || length > 254) {
      throw new MeterError('not a Modbus TCP frame', {
        code: 'BAD_REPLY',
        details: `protocol ${buf.readUInt16BE(offset + 2)}, length ${length}`,
      })
    }
    if (buf.length - offset < 6 + length) break
    adus.push({
      transactionId: buf.readUInt16BE(offset),
      unitId: buf[offset + 6]!,
      pdu: buf.subarray(offset + 7, offset + 6 + length),
    })
    offset += 6 + length
  }
  return { adus, rest: offset === 0 ? buf : buf.subarray(offset) }
}

/** Expected total length of an RTU *request* frame, or undefined when too short, -1 for an unsupported function. */
export function rtuRequestLength(buf: Uint8Array): number | undefined {
  if (buf.length < 2) return undefined
  const fc = buf[1]!
  if (fc >= 1 && fc <= 6) return 8
  if (fc === 15 || fc === 16) return buf.length < 7 ? undefined : 9 + buf[6]!
  return -1
}

/** True when the last two bytes of `frame` are the CRC of the rest. */
export function rtuCrcOk(frame: Uint8Array): boolean {
  if (frame.length < 4) return false
  const n = frame.length
  return crc16(frame, 0, n - 2) === (frame[n - 2]! | (frame[n - 1]! << 8))
}
