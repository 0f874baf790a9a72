import type { Hex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { TEST_DOMAIN as domain } from '../core/market/testBooks.js'
import { accountOf } from './accountSig.js'
import { checkDigest, checkResult, checkSetIds, makeDigest, makeResult } from './digest.js'

const market = `0x${'ab'.repeat(32)}` as Hex
const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex

describe('signed digests and results', () => {
  const key = generatePrivateKey()
  const account = accountOf(key)

  it('round-trip: ids sorted, signature checked', () => {
    const d = makeDigest(key, domain, account, market, 7n, [id(3), id(1), id(2), id(1)])
    expect(d.body.count).toBe(3)
    expect(checkDigest(domain, market, d)).toEqual([id(1), id(2), id(3)])
    const r = makeResult(key, domain, {
      market,
      interval: 7n,
      setHash: d.body.setHash,
      root: id(9),
      tradeCount: 1,
      account,
    })
    expect(() => checkResult(domain, market, r)).not.toThrow()
  })

  it('refuses a digest whose ids do not hash to its set hash, or signed by someone else, or for another market', () => {
    const d = makeDigest(key, domain, account, market, 7n, [id(1), id(2)])
    const dropped = { ...d, body: { ...d.body, ids: [id(1), id(3)] } }
    expect(() => checkDigest(domain, market, dropped)).toThrow(expect.objectContaining({ code: 'DIGEST_INCONSISTENT' }))
    const unsorted = { ...d, body: { ...d.body, ids: [id(2), id(1)] } }
    expect(() => checkDigest(domain, market, unsorted)).toThrow(
      expect.objectContaining({ code: 'DIGEST_INCONSISTENT' }),
    )
    const other = makeDigest(generatePrivateKey(), domain, account, market, 7n, [id(1), id(2)])
    expect(() => checkDigest(domain, market, other)).toThrow(expect.objectContaining({ code: 'DIGEST_SIGNATURE' }))
    expect(() => checkDigest(domain, `0x${'cd'.repeat(32)}`, d)).toThrow(
      expect.objectContaining({ code: 'DIGEST_MARKET' }),
    )
  })

  it('an unlisted digest names its set by hash; fetched ids are checked against it, never trusted', () => {
    const d = makeDigest(key, domain, account, market, 7n, [id(2), id(1), id(3)], 0)
    expect(d.body.ids).toEqual([])
    expect(checkDigest(domain, market, d)).toBeUndefined()
    expect(checkSetIds([id(1), id(2), id(3)], d.body.setHash)).toEqual([id(1), id(2), id(3)])
    const inconsistent = expect.objectContaining({ code: 'DIGEST_INCONSISTENT' })
    expect(() => checkSetIds([id(1), id(2)], d.body.setHash)).toThrow(inconsistent)
    expect(() => checkSetIds([id(2), id(1), id(3)], d.body.setHash)).toThrow(inconsistent)
    expect(() => checkSetIds([id(1), id(1), id(2), id(3)], d.body.setHash)).toThrow(inconsistent)
    // An empty set is always listed (there is nothing to fetch).
    expect(checkDigest(domain, market, makeDigest(key, domain, account, market, 7n, [], 0))).toEqual([])
  })

  it('refuses a listed digest whose count is not the number of its ids', () => {
    const d = makeDigest(key, domain, account, market, 7n, [id(1), id(2)])
    const miscounted = { ...d, body: { ...d.body, count: 3 } }
    expect(() => checkDigest(domain, market, miscounted)).toThrow(expect.objectContaining({ field: 'count' }))
  })
})
