import { type Hex, hexToString, stringToHex } from 'viem'
import { ChainError, ChainErrorCode } from './errors.js'

/**
 * The on-chain meter id (bytes32) of a meter id as the operator writes it: a 0x-prefixed 32-byte hex value as it
 * is, any other text of 1..32 printable ASCII characters right-padded with zeros (so `households` can show it again).
 *
 * @example
 * meterIdOf('SDM630-0042') // '0x53444d3633302d303034320000…'
 */
export function meterIdOf(text: string): Hex {
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase() as Hex
  if (!/^[\x20-\x7e]{1,32}$/.test(text) || text.trim() !== text) {
    throw new ChainError(
      `meter id ${JSON.stringify(text)} must be 1 to 32 printable ASCII characters (or 0x + 64 hex)`,
      {
        code: ChainErrorCode.InvalidInput,
        field: 'meter',
      },
    )
  }
  return stringToHex(text, { size: 32 })
}

/**
 * A meter id for people: the text it was made from (`meterIdOf`), or its hex when it is not text.
 *
 * @example
 * meterText(meterIdOf('m1')) // 'm1'
 */
export function meterText(id: unknown): string {
  if (typeof id !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(id)) return String(id)
  if (/^0x0{64}$/.test(id)) return '-'
  const text = hexToString(id as Hex).replace(/\0+$/, '')
  return /^[\x20-\x7e]+$/.test(text) && !text.includes('\0') ? text : id
}
