import { describe, expect, it } from 'vitest'
import {
  crc16,
  encodeReadRequestPdu,
  encodeRtuAdu,
  encodeTcpAdu,
  parseReadReplyPdu,
  rtuCrcOk,
  rtuReplyLength,
  splitTcpAdus,
} from './frame.js'

describe('Modbus framing', () => {
  it('known-answer RTU frame: read 2 input registers at 0 from unit 1 is 01 04 00 00 00 02 71 CB', () => {
    expect(encodeRtuAdu(1, encodeReadRequestPdu(4, 0, 2)).toString('hex')).toBe('01040000000271cb')
    expect(rtuCrcOk(Buffer.from('01040000000271cb', 'hex'))).toBe(true)
    expect(rtuCrcOk(Buffer.from('01040000000271cc', 'hex'))).toBe(false)
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x4b37) // CRC-16/MODBUS check value
  })

  it('known-answer TCP frame and stream splitting across chunk boundaries', () => {
    const adu = encodeTcpAdu(0x1234, 7, encodeReadRequestPdu(3, 40000, 2))
    expect(adu.toString('hex')).toBe('12340000000607039c400002')
    const two = Buffer.concat([adu, encodeTcpAdu(0x1235, 7, Buffer.from([3, 2, 0, 1]))])
    const first = splitTcpAdus(two.subarray(0, 15))
    expect(first.adus.map((a) => a.transactionId)).toEqual([0x1234])
    const second = splitTcpAdus(Buffer.concat([first.rest, two.subarray(15)]))
    expect(second.adus).toHaveLength(1)
    expect(second.adus[0]).toMatchObject({ transactionId: 0x1235, unitId: 7 })
    expect(second.rest).toHaveLength(0)
    expect(() => splitTcpAdus(Buffer.from('000000010006010300000001', 'hex'))).toThrow(
      expect.objectContaining({ code: 'BAD_REPLY' }),
    )
  })

  it('RTU reply length from the first bytes: data and exception replies', () => {
    expect(rtuReplyLength(Buffer.from([1, 4]))).toBeUndefined()
    expect(rtuReplyLength(Buffer.from([1, 4, 152]))).toBe(157)
    expect(rtuReplyLength(Buffer.from([1, 0x84, 2]))).toBe(5)
  })

  it('reply PDUs: data, exceptions as typed errors, mismatches as BAD_REPLY', () => {
    expect(parseReadReplyPdu(Buffer.from([4, 4, 0x44, 0x9c, 0x40, 0]), 4, 2).toString('hex')).toBe('449c4000')
    expect(() => parseReadReplyPdu(Buffer.from([0x84, 2]), 4, 2)).toThrow(
      expect.objectContaining({ code: 'ILLEGAL_ADDRESS', exceptionCode: 2 }),
    )
    expect(() => parseReadReplyPdu(Buffer.from([0x84, 4]), 4, 2)).toThrow(
      expect.objectContaining({ code: 'MODBUS_EXCEPTION', exceptionCode: 4 }),
    )
    expect(() => parseReadReplyPdu(Buffer.from([3, 4, 0, 0, 0, 0]), 4, 2)).toThrow(
      expect.objectContaining({ code: 'BAD_REPLY' }),
    )
    expect(() => parseReadReplyPdu(Buffer.from([4, 2, 0, 0]), 4, 2)).toThrow(
      expect.objectContaining({ code: 'BAD_REPLY' }),
    )
  })
})
