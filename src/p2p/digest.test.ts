import type { Hex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { accountOf } from './accountSig.js'
import { signDigest, signResult, verifyDigest, verifyResult } from './digest.js'

const market = `0x${'ab'.repeat(32)}` as Hex
const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex

describe('signed digests and results', () => {
  const key = generatePrivateKey()

  it('round-trip: sorted ids, the signer recovered', () => {
    const d = verifyDigest(signDigest(key, market, 7n, [id(3), id(1), id(2)]), market, 10)
    expect(d).toMatchObject({ interval: 7n, account: accountOf(key), ids: [id(1), id(2), id(3)] })
    const r = verifyResult(signResult(key, { market, interval: 7n, root: id(9), setHash: d.setHash, count: 3 }), market)
    expect(r).toMatchObject({ account: accountOf(key), root: id(9) })
  })

  it('refuses a digest whose ids do not match its hash, whose signature is not the account, or too many ids', () => {
    const d = signDigest(key, market, 7n, [id(1), id(2)])
    expect(() => verifyDigest({ ...d, ids: [d.ids[0]!], count: 1 }, market, 10)).toThrow(
      expect.objectContaining({ code: 'DIGEST_INCONSISTENT' }),
    )
    const other = signDigest(generatePrivateKey(), market, 7n, [id(1), id(2)])
    expect(() => verifyDigest({ ...d, signature: other.signature }, market, 10)).toThrow(
      expect.objectContaining({ code: 'DIGEST_SIGNATURE' }),
    )
    expect(() => verifyDigest(d, market, 1)).toThrow(expect.objectContaining({ code: 'DIGEST_SHAPE' }))
    expect(() => verifyDigest(d, `0x${'cd'.repeat(32)}`, 10)).toThrow(
      expect.objectContaining({ code: 'DIGEST_MARKET' }),
    )
  })
})
