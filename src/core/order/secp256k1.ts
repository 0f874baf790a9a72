import { createRequire } from 'node:module'
import { secp256k1 as noble } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'

/**
 * secp256k1 for order signatures. libsecp256k1 through the `secp256k1` package's prebuilt binding recovers ~30x
 * faster than pure JS, and every node verifies every order it hears, so it is preferred; where the binding cannot
 * load (another platform, no prebuild) the audited pure-JS @noble/curves takes over with the same results.
 * Synchronous and deterministic (RFC 6979 nonces), so it belongs to the pure core.
 */
export interface Backend {
  readonly name: 'libsecp256k1' | 'noble'
  /** 64-byte compact signature + recovery id for a 32-byte digest. */
  sign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number }
  /** 65-byte uncompressed public key, or undefined when the signature does not recover. */
  recover(signature64: Uint8Array, recid: number, digest: Uint8Array): Uint8Array | undefined
}

interface NativeBinding {
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number }
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array
}

/** libsecp256k1 through the prebuilt binding, or undefined where it does not load. */
export function nativeBackend(): Backend | undefined {
  try {
    // The package's index silently falls back to the slow `elliptic`; load the binding itself to know which we got.
    const binding = createRequire(import.meta.url)('secp256k1/bindings') as NativeBinding
    return {
      name: 'libsecp256k1',
      sign: (digest, key) => binding.ecdsaSign(digest, key),
      recover(sig, recid, digest) {
        try {
          return binding.ecdsaRecover(sig, recid, digest, false)
        } catch {
          return undefined
        }
      },
    }
  } catch {
    return undefined
  }
}

export const nobleBackend: Backend = {
  name: 'noble',
  sign(digest, key) {
    const sig = noble.sign(digest, key, { prehash: false, lowS: true, format: 'recovered' })
    return { signature: sig.slice(1), recid: sig[0]! }
  },
  recover(sig, recid, digest) {
    try {
      const recovered = new Uint8Array(65)
      recovered[0] = recid
      recovered.set(sig, 1)
      const compressed = noble.recoverPublicKey(recovered, digest, { prehash: false })
      return noble.Point.fromBytes(compressed).toBytes(false)
    } catch {
      return undefined
    }
  },
}

const backend: Backend = nativeBackend() ?? nobleBackend

/** Which implementation is in use: reported by the benchmark and the node's status. */
export const secp256k1Backend = backend.name

const HALF_N = noble.Point.CURVE().n >> 1n

/** Signs a 32-byte digest; returns the Ethereum 65-byte form r || s || v with v = 27 + recid and low s. */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array, using: Backend = backend): Uint8Array {
  const { signature, recid } = using.sign(digest, privateKey)
  const out = new Uint8Array(65)
  out.set(signature, 0)
  out[64] = 27 + recid
  return out
}

/**
 * Recovers the 20-byte address that signed `digest`, or undefined for a malformed signature. High-s signatures
 * are refused (as the contract's ECDSA library does), so a signature cannot be malleated into a second valid one.
 */
export function recoverAddress(
  digest: Uint8Array,
  signature65: Uint8Array,
  using: Backend = backend,
): Uint8Array | undefined {
  if (signature65.length !== 65) return undefined
  const v = signature65[64]!
  if (v !== 27 && v !== 28) return undefined
  const sig = signature65.subarray(0, 64)
  if (bytesToBigInt(sig.subarray(32, 64)) > HALF_N) return undefined
  const pub = using.recover(sig, v - 27, digest)
  if (!pub) return undefined
  return keccak_256(pub.subarray(1)).slice(12)
}

/** The 20-byte address of a private key. */
export function addressOfKey(privateKey: Uint8Array): Uint8Array {
  const pub = noble.getPublicKey(privateKey, false)
  return keccak_256(pub.subarray(1)).slice(12)
}

function bytesToBigInt(b: Uint8Array): bigint {
  let x = 0n
  for (const byte of b) x = (x << 8n) | BigInt(byte)
  return x
}
