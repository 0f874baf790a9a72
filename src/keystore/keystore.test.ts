import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { decryptKeystore, encryptKeystore } from './keystore.js'
import { loadKey, readPassphrase, writeKeystoreFile } from './keystoreFile.js'

// Known-answer vectors of the Web3 Secret Storage Definition (same key, pbkdf2 and scrypt), as geth tests them.
const PBKDF2_VECTOR = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: 'hmac-sha256',
      salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
    },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
}
const SCRYPT_VECTOR = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 262144,
      r: 1,
      p: 8,
      salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19',
    },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
}
const FAST = { n: 4096, r: 8, p: 1 }

describe('keystore', () => {
  it('decrypts the Web3 Secret Storage known-answer vector', () => {
    expect(decryptKeystore(PBKDF2_VECTOR, 'testpassword')).toBe(
      '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d',
    )
    // Its scrypt twin uses r = 1 with n = 2^18, a combination OpenSSL (and so node:crypto) refuses: a clear error.
    expect(() => decryptKeystore(SCRYPT_VECTOR, 'testpassword')).toThrow(
      expect.objectContaining({ field: 'crypto.kdfparams' }),
    )
  })

  it('round-trips, rejects a wrong passphrase and a tampered file naming the field', () => {
    const pk = generatePrivateKey()
    const ks = encryptKeystore(pk, 'pass', FAST)
    expect(ks.address).toBe(privateKeyToAddress(pk).slice(2).toLowerCase())
    expect(decryptKeystore(JSON.parse(JSON.stringify(ks)), 'pass')).toBe(pk)
    expect(() => decryptKeystore(ks, 'wrong')).toThrow(expect.objectContaining({ code: 'KEYSTORE_PASSPHRASE' }))
    const bad = { ...ks, crypto: { ...ks.crypto, kdf: 'md5' } }
    expect(() => decryptKeystore(bad, 'pass')).toThrow(expect.objectContaining({ field: 'crypto.kdf' }))
  })

  it('refuses cost parameters out of bounds on create and on load, naming the field', () => {
    const pk = generatePrivateKey()
    for (const [params, param] of [
      [{ n: 2, r: 8, p: 1 }, 'n'],
      [{ n: 2048, r: 8, p: 1 }, 'n'],
      [{ n: 6000, r: 8, p: 1 }, 'n'],
      [{ n: 2 ** 21, r: 8, p: 1 }, 'n'],
      [{ n: 4096, r: 0, p: 1 }, 'r'],
      [{ n: 4096, r: 8, p: 1.5 }, 'p'],
    ] as const) {
      expect(() => encryptKeystore(pk, 'pass', params)).toThrow(
        expect.objectContaining({ code: 'KEYSTORE_PARAMS', field: `scrypt.${param}` }),
      )
    }
    const ks = encryptKeystore(pk, 'pass', FAST)
    const weak = { ...ks, crypto: { ...ks.crypto, kdfparams: { ...ks.crypto.kdfparams, n: 2 } } }
    expect(() => decryptKeystore(weak, 'pass')).toThrow(
      expect.objectContaining({ code: 'KEYSTORE_PARAMS', field: 'crypto.kdfparams.n' }),
    )
    const fewRounds = {
      ...PBKDF2_VECTOR,
      crypto: { ...PBKDF2_VECTOR.crypto, kdfparams: { ...PBKDF2_VECTOR.crypto.kdfparams, c: 1 } },
    }
    expect(() => decryptKeystore(fewRounds, 'testpassword')).toThrow(
      expect.objectContaining({ code: 'KEYSTORE_PARAMS', field: 'crypto.kdfparams.c' }),
    )
  })

  it('writes mode 0600, refuses to overwrite, reads the passphrase from file, env or prompt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-ks-'))
    const path = join(dir, 'key.json')
    const pk = generatePrivateKey()
    writeKeystoreFile(path, encryptKeystore(pk, 'secret', FAST))
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(() => writeKeystoreFile(path, encryptKeystore(pk, 'x', FAST))).toThrow(/refusing/)
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(3)

    writeFileSync(join(dir, 'pass'), 'secret\n')
    expect(await loadKey(path, { file: join(dir, 'pass') })).toBe(pk)
    expect(await loadKey(path, { env: { GRIDLET_PASSPHRASE: 'secret' } })).toBe(pk)
    const input = new PassThrough()
    const output = new PassThrough()
    const p = readPassphrase({ env: {}, prompt: { input, output } })
    input.write('secret\n')
    expect(await p).toBe('secret')
    await expect(readPassphrase({ env: {}, prompt: false })).rejects.toThrow(/no passphrase/)
  })
})
