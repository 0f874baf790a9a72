import { keccak_256 } from '@noble/hashes/sha3.js'
import { type Address, bytesToHex, type Hex, hexToBytes, stringToBytes } from 'viem'
import type { Cancel, MarketDomain, Order } from './types.js'

/**
 * EIP-712 typed data of gridlet. These strings are the protocol: the Solidity contract hashes the same layout, so
 * the signature that lets an order into the market also authorises its payment on chain.
 */
export const ORDER_TYPE =
  'Order(bytes32 market,uint64 interval,uint8 side,uint64 quantityWh,uint128 limitPrice,address account,uint64 nonce,uint64 expiry)'
export const CANCEL_TYPE = 'Cancel(bytes32 market,uint64 interval,address account,bytes32 orderId)'
const DOMAIN_TYPE = 'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'

/** viem-style `types` for `signTypedData`/`hashTypedData`, derived from the strings above. */
export const EIP712_TYPES = {
  Order: [
    { name: 'market', type: 'bytes32' },
    { name: 'interval', type: 'uint64' },
    { name: 'side', type: 'uint8' },
    { name: 'quantityWh', type: 'uint64' },
    { name: 'limitPrice', type: 'uint128' },
    { name: 'account', type: 'address' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
  Cancel: [
    { name: 'market', type: 'bytes32' },
    { name: 'interval', type: 'uint64' },
    { name: 'account', type: 'address' },
    { name: 'orderId', type: 'bytes32' },
  ],
} as const

const ORDER_TYPEHASH = keccak_256(stringToBytes(ORDER_TYPE))
const CANCEL_TYPEHASH = keccak_256(stringToBytes(CANCEL_TYPE))
const DOMAIN_TYPEHASH = keccak_256(stringToBytes(DOMAIN_TYPE))

/**
 * A domain with its separator computed once; hashing an order then costs two keccak calls over fixed buffers,
 * about 20x faster than a generic typed-data encoder.
 */
export interface PreparedDomain extends MarketDomain {
  readonly separator: Uint8Array
}

/** @example const domain = prepareDomain({ name: 'gridlet', version: '1', chainId: 31337, verifyingContract }) */
export function prepareDomain(domain: MarketDomain): PreparedDomain {
  if ('separator' in domain) return domain as PreparedDomain
  const buf = new Uint8Array(5 * 32)
  buf.set(DOMAIN_TYPEHASH, 0)
  buf.set(keccak_256(stringToBytes(domain.name)), 32)
  buf.set(keccak_256(stringToBytes(domain.version)), 64)
  writeUint(buf, 96, BigInt(domain.chainId))
  writeAddress(buf, 128, domain.verifyingContract)
  return Object.freeze({ ...domain, separator: keccak_256(buf) })
}

/** The order's EIP-712 struct hash. */
export function orderStructHash(order: Order): Uint8Array {
  const buf = new Uint8Array(9 * 32)
  buf.set(ORDER_TYPEHASH, 0)
  buf.set(hexToBytes(order.market), 32)
  writeUint(buf, 64, order.interval)
  buf[127] = order.side
  writeUint(buf, 128, order.quantityWh)
  writeUint(buf, 160, order.limitPrice)
  writeAddress(buf, 192, order.account)
  writeUint(buf, 224, order.nonce)
  writeUint(buf, 256, order.expiry)
  return keccak_256(buf)
}

/** EIP-712 digest of an order = its id. Assumes fields already within their Solidity types (see verifyOrder). */
export function hashOrderBytes(domain: MarketDomain, order: Order): Uint8Array {
  return typedDigest(prepareDomain(domain).separator, orderStructHash(order))
}

/**
 * The order id: its EIP-712 hash, equal to viem's `hashTypedData` and to what the contract computes.
 *
 * @example
 * const id = hashOrder(domain, order) // '0x…' 32 bytes
 */
export function hashOrder(domain: MarketDomain, order: Order): Hex {
  return bytesToHex(hashOrderBytes(domain, order))
}

/** EIP-712 digest of a cancel. */
export function hashCancelBytes(domain: MarketDomain, cancel: Cancel): Uint8Array {
  const buf = new Uint8Array(5 * 32)
  buf.set(CANCEL_TYPEHASH, 0)
  buf.set(hexToBytes(cancel.market), 32)
  writeUint(buf, 64, cancel.interval)
  writeAddress(buf, 96, cancel.account)
  buf.set(hexToBytes(cancel.orderId), 128)
  return typedDigest(prepareDomain(domain).separator, keccak_256(buf))
}

export function hashCancel(domain: MarketDomain, cancel: Cancel): Hex {
  return bytesToHex(hashCancelBytes(domain, cancel))
}

/** keccak256(0x1901 || domainSeparator || structHash): the digest any EIP-712 message is signed over. */
export function typedDigest(separator: Uint8Array, structHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(66)
  buf[0] = 0x19
  buf[1] = 0x01
  buf.set(separator, 2)
  buf.set(structHash, 34)
  return keccak_256(buf)
}

/** Big-endian unsigned integer into the 32-byte word at `offset` (value must be >= 0 and < 2^256). */
export function writeUint(buf: Uint8Array, offset: number, value: bigint): void {
  let v = value
  for (let i = offset + 31; v > 0n; i--) {
    buf[i] = Number(v & 0xffn)
    v >>= 8n
  }
}

function writeAddress(buf: Uint8Array, offset: number, address: Address): void {
  buf.set(hexToBytes(address), offset + 12)
}
