import { type Address, bytesToHex, getAddress, type Hex, hashMessage, hexToBytes } from 'viem'
import { GridletError } from '../core/errors.js'
import { addressOfKey, recoverAddress, signDigest } from '../core/order/secp256k1.js'

/**
 * Signs `message` (text, or `{ raw }` bytes such as a 32-byte hash) the way `personal_sign` does (EIP-191 version
 * 0x45), so a household's wallet or hardware key could produce the same signature. Synchronous (libsecp256k1):
 * used on every binding, digest and result.
 *
 * @example
 * const sig = signAccountMessage(privateKey, { raw: digestHash })
 */
export function signAccountMessage(privateKey: Hex, message: string | { raw: Hex | Uint8Array }): Uint8Array {
  return signDigest(hexToBytes(hashMessage(message)), hexToBytes(privateKey))
}

/**
 * The account that signed `message` with `signature` (65 bytes r||s||v, v in {27, 28}, low s).
 * Throws a GridletError `ACCOUNT_SIGNATURE` if the signature is malformed or does not recover.
 */
export function recoverAccount(message: string | { raw: Hex | Uint8Array }, signature: Uint8Array): Address {
  const signer = recoverAddress(hexToBytes(hashMessage(message)), signature)
  if (!signer) {
    throw new GridletError('invalid account signature', {
      code: 'ACCOUNT_SIGNATURE',
      field: 'signature',
      details: 'not a 65-byte low-s signature that recovers to a public key',
    })
  }
  return getAddress(bytesToHex(signer))
}

/** The checksummed account (address) of a household private key. */
export function accountOf(privateKey: Hex): Address {
  return getAddress(bytesToHex(addressOfKey(hexToBytes(privateKey))))
}
