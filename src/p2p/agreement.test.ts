import type { Address, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { agreementRules, finalSet, majorityQuorum, rulesFor, tally } from './agreement.js'
import type { HouseholdRegistry } from './binding.js'

const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const acct = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address

describe('agreement rules', () => {
  it('derives f = floor((n-1)/3) and a majority quorum', () => {
    expect(agreementRules(3)).toEqual({ maxFaulty: 0, quorum: 2 })
    expect(agreementRules(7)).toEqual({ maxFaulty: 2, quorum: 4 })
    expect(agreementRules(50)).toEqual({ maxFaulty: 16, quorum: 26 })
  })

  it('computes the quorum per interval from the households registered for it', () => {
    // 3 households up to interval 9, 6 from 10 (three registered), 4 from 20 (two removed).
    const members = (k: bigint) => [acct(1), acct(2), acct(3), ...(k >= 10n ? [acct(4), acct(5), acct(6)] : [])]
    const registry: HouseholdRegistry = {
      size: 6,
      has: () => true,
      at: (k) => {
        const set = new Set(members(k).filter((a) => k < 20n || (a !== acct(5) && a !== acct(6))))
        return { size: set.size, has: (a) => set.has(a) }
      },
    }
    expect([9n, 10n, 19n, 20n].map((k) => rulesFor(registry, k).quorum)).toEqual([2, 4, 4, 3])
    expect(rulesFor(registry, 10n).maxFaulty).toBe(1)
    expect(majorityQuorum(6)).toBe(4)
    // A configured quorum above the majority applies to every interval; a registry without `at` is the same for all.
    expect([9n, 20n].map((k) => rulesFor(registry, k, { quorum: 5 }).quorum)).toEqual([5, 5])
    // A configured quorum raises the majority, never lowers it: the contract requires quorumAt(k) anyway.
    expect([9n, 10n].map((k) => rulesFor(registry, k, { quorum: 1 }).quorum)).toEqual([2, 4])
    expect(rulesFor({ size: 7, has: () => true }, 1n)).toEqual({ maxFaulty: 2, quorum: 4 })
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
