import type { Address, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { agreementRules, finalSet, tally } from './agreement.js'

const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const acct = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address

describe('agreement rules', () => {
  it('derives f = floor((n-1)/3) and a majority quorum', () => {
    expect(agreementRules(3)).toEqual({ maxFaulty: 0, quorum: 2 })
    expect(agreementRules(7)).toEqual({ maxFaulty: 2, quorum: 4 })
    expect(agreementRules(50)).toEqual({ maxFaulty: 16, quorum: 26 })
  })

  it('keeps ids listed by at least f + 1 households, sorted, whatever the digest order', () => {
    const digests = new Map([
      [acct(1), [id(1), id(2)]],
      [acct(2), [id(2), id(3)]],
      [acct(3), [id(2), id(9)]],
    ])
    expect(finalSet(digests, 0)).toEqual([id(1), id(2), id(3), id(9)])
    expect(finalSet(digests, 1)).toEqual([id(2)])
    expect(finalSet(new Map([...digests].reverse()), 1)).toEqual([id(2)])
  })

  it('finds the quorum root, if any', () => {
    const r = new Map([
      [acct(1), id(7)],
      [acct(2), id(7)],
      [acct(3), id(8)],
    ])
    expect(tally(r, 2).quorumRoot).toBe(id(7))
    expect(tally(r, 3).quorumRoot).toBeUndefined()
    expect(tally(r, 2).votes.get(id(8))).toBe(1)
  })
})
