import { describe, expect, it } from 'vitest'
import { crc16, encodeRtuAdu, encodeTcpAdu, rtuCrcOk, rtuRequestLength, splitTcpAdus } from './frame.js'

/** Read request PDU: function code, start address, register count. */
const readPdu = (fc: number, address: number, count: number) =>
  Buffer.from([fc, address >> 8, address & 0xff, count >> 8, count & 0xff])

describe('simulator framing', () => {
  it('known-answer RTU frame: read 2 input registers at 0 from unit 1 is 01 04 00 00 00 02 71 CB', () => {
    expect(encodeRtuAdu(1, readPdu(4, 0, 2)).toString('hex')).toBe('01040000000271cb')
    expect(rtuCrcOk(Buffer.from('01040000000271cb', 'hex'))).toBe(true)
    expect(rtuCrcOk(Buffer.from('01040000000271cc', 'hex'))).toBe(false)
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x4b37) // CRC-16/MODBUS check value
  })

  it('known-answer TCP frame and stream splitting across chunk boundaries', () => {
    const adu = encodeTcpAdu(0x1234, 7, readPdu(3, 40000, 2))
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

  it('RTU request length from the first bytes: reads, writes, unsupported functions', () => {
    expect(rtuRequestLength(Buffer.from([1]))).toBeUndefined()
    expect(rtuRequestLength(Buffer.from([1, 4]))).toBe(8)
    expect(rtuRequestLength(Buffer.from([1, 16, 0, 0, 0, 2, 4]))).toBe(13)
    expect(rtuRequestLength(Buffer.from([1, 43]))).toBe(-1)
  })
})
