import { bytesToHex, getAddress, type Hex, hexToBytes } from 'viem'
import { hashCancelBytes, hashOrderBytes, prepareDomain } from './eip712.js'
import { addressOfKey, signDigest } from './secp256k1.js'
import type { Cancel, MarketDomain, Order, SignedCancel, VerifiedOrder } from './types.js'

/**
 * Signs an order with the household's key (synchronous, deterministic RFC 6979). Returns it with its id, since the
 * signer knows the order is valid; peers still verify it.
 *
 * @example
 * const signed = signOrder(privateKey, domain, { market, interval: 1_500_000n, side: Side.Sell, quantityWh: 800n,
 *   limitPrice: 120_000n, account, nonce: 0n, expiry: 1_400_000_000n })
 */
export function signOrder(privateKey: Hex, domain: MarketDomain, order: Order): VerifiedOrder {
  const digest = hashOrderBytes(prepareDomain(domain), order)
  return { order, signature: bytesToHex(signDigest(digest, hexToBytes(privateKey))), id: bytesToHex(digest) }
}

/** Signs an explicit cancel of one of the household's orders. */
export function signCancel(privateKey: Hex, domain: MarketDomain, cancel: Cancel): SignedCancel {
  const digest = hashCancelBytes(prepareDomain(domain), cancel)
  return { cancel, signature: bytesToHex(signDigest(digest, hexToBytes(privateKey))) }
}

/** Checksummed address of a private key. */
export function accountOf(privateKey: Hex): Hex {
  return getAddress(bytesToHex(addressOfKey(hexToBytes(privateKey))))
}
