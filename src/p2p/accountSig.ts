import secp256k1 from 'secp256k1'
import { type Address, bytesToHex, getAddress, type Hex, hashMessage, hexToBytes, keccak256 } from 'viem'
import { GridletError } from '../core/errors.js'

// Half the secp256k1 group order: signatures with a larger s are malleable twins and refused.
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

/**
 * Signs `message` (a 32-byte hash, or text) the way `personal_sign` does (EIP-191 version 0x45), so a household's
 * wallet or hardware key can produce the same signature. Synchronous: used on every digest and result.
 *
 * @example
 * const sig = signAccountMessage(privateKey, { raw: digestHash })
 */
export function signAccountMessage(privateKey: Hex, message: string | { raw: Hex | Uint8Array }): Uint8Array {
  const hash = hexToBytes(hashMessage(message))
  const { signature, recid } = secp256k1.ecdsaSign(hash, hexToBytes(privateKey))
  const out = new Uint8Array(65)
  out.set(signature, 0)
  out[64] = 27 + recid
  return out
}

/**
 * The account that signed `message` with `signature` (65 bytes r||s||v, v in {27, 28}, low s).
 * Throws a GridletError `ACCOUNT_SIGNATURE` if the signature is malformed or does not recover.
 */
export function recoverAccount(message: string | { raw: Hex | Uint8Array }, signature: Uint8Array): Address {
  if (signature.length !== 65) throw sigError(`signature must be 65 bytes, got ${signature.length}`)
  const v = signature[64]!
  if (v !== 27 && v !== 28) throw sigError(`v must be 27 or 28, got ${v}`)
  const s = BigInt(bytesToHex(signature.subarray(32, 64)))
  if (s === 0n || s > HALF_N) throw sigError('s must be in the lower half of the curve order')
  try {
    const pub = secp256k1.ecdsaRecover(signature.subarray(0, 64), v - 27, hexToBytes(hashMessage(message)), false)
    return getAddress(`0x${keccak256(pub.subarray(1)).slice(-40)}`)
  } catch (cause) {
    throw sigError('signature does not recover to a public key', cause)
  }
}

/** The account (address) of a household private key. */
export function accountOf(privateKey: Hex): Address {
  const pub = secp256k1.publicKeyCreate(hexToBytes(privateKey), false)
  return getAddress(`0x${keccak256(pub.subarray(1)).slice(-40)}`)
}

function sigError(details: string, cause?: unknown): GridletError {
  return new GridletError('invalid account signature', { code: 'ACCOUNT_SIGNATURE', field: 'signature', details, cause })
}
