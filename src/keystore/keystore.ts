import {
  createCipheriv,
  createDecipheriv,
  pbkdf2Sync,
  randomBytes,
  randomUUID,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto'
import { bytesToHex, type Hex, hexToBytes, keccak256 } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { GridletError } from '../core/errors.js'

/** Web3 Secret Storage (V3) keystore JSON, scrypt + aes-128-ctr: what geth, ethers and viem-based tools read. */
export interface KeystoreV3 {
  version: 3
  id: string
  /** Lower-case address without 0x. */
  address: string
  crypto: {
    cipher: 'aes-128-ctr'
    cipherparams: { iv: string }
    ciphertext: string
    kdf: 'scrypt' | 'pbkdf2'
    kdfparams: ScryptParams | Pbkdf2Params
    mac: string
  }
}

interface ScryptParams {
  dklen: 32
  n: number
  r: number
  p: number
  salt: string
}
interface Pbkdf2Params {
  dklen: 32
  c: number
  prf: 'hmac-sha256'
  salt: string
}

/** scrypt cost; ethers' default (n = 2^17, r = 8, p = 1: ~128 MiB and about a second once at start). */
export const DEFAULT_SCRYPT = { n: 2 ** 17, r: 8, p: 1 } as const

/**
 * Key-derivation parameters gridlet writes and reads. The floors keep a stolen keystore from being cheap to guess:
 * scrypt n = 2^12 is geth's "light" setting (the weakest a common tool writes), pbkdf2 10,000 rounds about as costly;
 * the ceilings keep a hostile file from asking for gigabytes or minutes.
 */
export const KDF_BOUNDS = {
  scrypt: { n: [2 ** 12, 2 ** 20], r: [1, 16], p: [1, 16] },
  pbkdf2: { c: [10_000, 10_000_000] },
} as const

/**
 * What is wrong with scrypt parameters, or undefined when they are within {@link KDF_BOUNDS} (n also a power of two).
 *
 * @example
 * scryptProblem({ n: 2, r: 8, p: 1 }) // { param: 'n', details: 'must be a power of two from 4096 to 1048576, got 2' }
 */
export function scryptProblem(p: {
  n: unknown
  r: unknown
  p: unknown
}): { param: 'n' | 'r' | 'p'; details: string } | undefined {
  for (const param of ['n', 'r', 'p'] as const) {
    const v = p[param]
    const [lo, hi] = KDF_BOUNDS.scrypt[param]
    const pow2 = param === 'n'
    const ok = Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi
    if (!ok || (pow2 && ((v as number) & ((v as number) - 1)) !== 0))
      return { param, details: `must be ${pow2 ? 'a power of two' : 'an integer'} from ${lo} to ${hi}, got ${v}` }
  }
  return undefined
}

const strip = (h: string) => h.replace(/^0x/, '').toLowerCase()

function deriveKey(passphrase: string, salt: Buffer, p: { n: number; r: number; p: number }): Buffer {
  const maxmem = 128 * p.r * (p.n + p.p + 2) + 1024 * 1024
  try {
    return scryptSync(passphrase.normalize('NFKC'), salt, 32, { N: p.n, r: p.r, p: p.p, maxmem })
  } catch (cause) {
    throw new GridletError('unsupported scrypt parameters', {
      code: 'KEYSTORE_FORMAT',
      field: 'crypto.kdfparams',
      details: (cause as Error).message,
      cause,
    })
  }
}

const macOf = (key: Buffer, ciphertext: Buffer) =>
  hexToBytes(keccak256(Buffer.concat([key.subarray(16, 32), ciphertext])))

/**
 * Encrypts a private key into a V3 keystore.
 *
 * @example
 * const ks = encryptKeystore(generatePrivateKey(), 'correct horse battery staple')
 */
export function encryptKeystore(
  privateKey: Hex,
  passphrase: string,
  scrypt: { n: number; r: number; p: number } = DEFAULT_SCRYPT,
): KeystoreV3 {
  const problem = scryptProblem(scrypt)
  if (problem) {
    throw new GridletError(`scrypt ${problem.param} out of bounds`, {
      code: 'KEYSTORE_PARAMS',
      field: `scrypt.${problem.param}`,
      details: problem.details,
    })
  }
  const salt = randomBytes(32)
  const iv = randomBytes(16)
  const key = deriveKey(passphrase, salt, scrypt)
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), iv)
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()])
  return {
    version: 3,
    id: randomUUID(),
    address: strip(privateKeyToAddress(privateKey)),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: iv.toString('hex') },
      ciphertext: ciphertext.toString('hex'),
      kdf: 'scrypt',
      kdfparams: { dklen: 32, n: scrypt.n, r: scrypt.r, p: scrypt.p, salt: salt.toString('hex') },
      mac: bytesToHex(macOf(key, ciphertext)).slice(2),
    },
  }
}

/**
 * Decrypts a V3 keystore (scrypt or pbkdf2-hmac-sha256). OpenSSL's scrypt refuses n >= 2^(16 r), which real
 * keystores (r = 8) never reach. A wrong passphrase gives
 * `KEYSTORE_PASSPHRASE`; a malformed file `KEYSTORE_FORMAT` naming the field; cost parameters outside
 * {@link KDF_BOUNDS} (too weak to protect the key, or too costly to try) `KEYSTORE_PARAMS` naming the field.
 */
export function decryptKeystore(json: unknown, passphrase: string): Hex {
  const ks = validate(json)
  const c = ks.crypto
  const salt = Buffer.from(c.kdfparams.salt, 'hex')
  const key =
    c.kdf === 'scrypt'
      ? deriveKey(passphrase, salt, c.kdfparams as ScryptParams)
      : pbkdf2Sync(passphrase.normalize('NFKC'), salt, (c.kdfparams as Pbkdf2Params).c, 32, 'sha256')
  const ciphertext = Buffer.from(c.ciphertext, 'hex')
  if (!timingSafeEqual(macOf(key, ciphertext), Buffer.from(c.mac, 'hex'))) {
    throw new GridletError('wrong keystore passphrase', { code: 'KEYSTORE_PASSPHRASE' })
  }
  const decipher = createDecipheriv('aes-128-ctr', key.subarray(0, 16), Buffer.from(c.cipherparams.iv, 'hex'))
  const pk = bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]))
  if (ks.address && strip(privateKeyToAddress(pk)) !== strip(ks.address)) {
    throw new GridletError('keystore address does not match its key', { code: 'KEYSTORE_FORMAT', field: 'address' })
  }
  return pk
}

function validate(json: unknown): KeystoreV3 {
  const bad = (field: string, details?: string) =>
    new GridletError('not a V3 scrypt keystore', { code: 'KEYSTORE_FORMAT', field, details })
  const ks = json as KeystoreV3
  if (typeof ks !== 'object' || ks === null || ks.version !== 3) throw bad('version')
  const c = ks.crypto ?? (ks as unknown as { Crypto: KeystoreV3['crypto'] }).Crypto
  if (typeof c !== 'object' || c === null) throw bad('crypto')
  if (c.cipher !== 'aes-128-ctr') throw bad('crypto.cipher', String(c.cipher))
  const kp = c.kdfparams as ScryptParams & Pbkdf2Params
  if (kp?.dklen !== 32) throw bad('crypto.kdfparams.dklen')
  const outOfBounds = (param: string, details: string) =>
    new GridletError(`keystore ${c.kdf} ${param} out of bounds`, {
      code: 'KEYSTORE_PARAMS',
      field: `crypto.kdfparams.${param}`,
      details,
    })
  if (c.kdf === 'pbkdf2') {
    if (kp.prf !== 'hmac-sha256') throw bad('crypto.kdfparams.prf')
    const [lo, hi] = KDF_BOUNDS.pbkdf2.c
    if (!Number.isInteger(kp.c) || kp.c < lo || kp.c > hi)
      throw outOfBounds('c', `must be an integer from ${lo} to ${hi}, got ${kp.c}`)
  } else if (c.kdf === 'scrypt') {
    const problem = scryptProblem(kp)
    if (problem) throw outOfBounds(problem.param, problem.details)
  } else throw bad('crypto.kdf', String(c.kdf))
  const isHex = (s: unknown, len?: number) =>
    typeof s === 'string' && /^[0-9a-f]*$/i.test(s) && (!len || s.length === len)
  if (!isHex(kp.salt)) throw bad('crypto.kdfparams.salt')
  if (!isHex(c.cipherparams?.iv, 32)) throw bad('crypto.cipherparams.iv')
  if (!isHex(c.ciphertext, 64)) throw bad('crypto.ciphertext')
  if (!isHex(c.mac, 64)) throw bad('crypto.mac')
  return { ...ks, crypto: c }
}
