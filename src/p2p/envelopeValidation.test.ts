import fc from 'fast-check'
import type { Address, Hex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import type { GridClearing } from '../core/market/grid.js'
import { type OperatingEnvelope, signEnvelope } from '../core/market/operatingEnvelope.js'
import { TEST_DOMAIN, TEST_MARKET } from '../core/market/testBooks.js'
import { gateClosureMs, intervalStartMs, marketTime } from '../core/time/interval.js'
import { accountOf } from './accountSig.js'
import { EnvelopeBook } from './envelopeBook.js'
import { decodeEnvelope, encodeEnvelope, MAX_ENVELOPE_BYTES } from './envelopeCodec.js'
import { decodeEnvelopeMessage, validateEnvelope } from './envelopeValidation.js'
import { GossipCode } from './validation.js'

const KEY = generatePrivateKey()
const OPERATOR = accountOf(KEY) as Address
const TIME = marketTime({ lengthS: 60, gateClosureS: 10, maxSkewS: 1 })
const NOW_K = 30_000_000n
const NOW = intervalStartMs(TIME, Number(NOW_K))
const base: GridClearing = {
  feederOf: () => 0,
  transformerOf: [0, 0],
  feePerWh: [0n, 20n, 60n],
  feeRecipient: '0x00000000000000000000000000000000000000d5',
}
const rules = { operator: OPERATOR, domain: TEST_DOMAIN, market: TEST_MARKET, time: TIME, maxAheadIntervals: 10 }
const envelope = (interval: bigint, exportWh = 300n): OperatingEnvelope => ({
  market: TEST_MARKET,
  interval,
  feederImportWh: [1000n, 1000n],
  feederExportWh: [exportWh, 1000n],
  transformerImportWh: [2000n],
  transformerExportWh: [2000n],
})
const judge = (book: EnvelopeBook, signed: ReturnType<typeof signEnvelope>, now = NOW) =>
  validateEnvelope({ book, now: () => now }, signed)

describe('operating envelope validation', () => {
  it('round-trips through protobuf; junk and oversize are REJECT', () => {
    const signed = signEnvelope(KEY, TEST_DOMAIN, envelope(NOW_K + 3n))
    expect(decodeEnvelope(encodeEnvelope(signed))).toEqual(signed)
    expect(decodeEnvelopeMessage(new Uint8Array([0xff, 0xff, 0xff])).code).toBe(GossipCode.Decode)
    expect(decodeEnvelopeMessage(new Uint8Array(MAX_ENVELOPE_BYTES + 1)).code).toBe(GossipCode.TooLarge)
    const short = encodeEnvelope({ ...signed, signature: signed.signature.slice(0, 40) as Hex })
    expect(decodeEnvelopeMessage(short).verdict).toBe('reject')
  })

  it("accepts the operator's envelope until the gate closure of the interval before", () => {
    const book = new EnvelopeBook(base, rules)
    const k = NOW_K + 3n
    const signed = signEnvelope(KEY, TEST_DOMAIN, envelope(k))
    expect(book.deadline(k)).toBe(gateClosureMs(TIME, Number(k) - 1))
    const j = judge(book, signed, book.deadline(k))
    expect(j.verdict).toBe('accept')
    if (j.verdict !== 'accept') return
    expect(j.value.grid.limits?.feeders?.[0]).toEqual({ importWh: 1000n, exportWh: 300n })
    expect(j.value.grid.feePerWh).toEqual(base.feePerWh)
    expect(judge(book, signed, book.deadline(k) + 1)).toMatchObject({ verdict: 'ignore', code: GossipCode.Late })
    expect(book.add(j.value, NOW)).toBe(true)
    expect(book.gridAt(k)).toBe(j.value.grid)
    expect(book.gridAt(k + 1n)).toBe(base)
    expect(judge(book, signed)).toMatchObject({ verdict: 'ignore', code: GossipCode.Duplicate })
  })

  it('REJECTs another key, another market and limits that do not fit the network; IGNOREs too far ahead', () => {
    const book = new EnvelopeBook(base, rules)
    const k = NOW_K + 3n
    const other = signEnvelope(generatePrivateKey(), TEST_DOMAIN, envelope(k))
    expect(judge(book, other)).toMatchObject({ verdict: 'reject', code: GossipCode.NotOperator })
    const market = signEnvelope(KEY, TEST_DOMAIN, { ...envelope(k), market: `0x${'11'.repeat(32)}` })
    expect(judge(book, market)).toMatchObject({ verdict: 'reject', code: GossipCode.WrongMarket })
    const short = signEnvelope(KEY, TEST_DOMAIN, { ...envelope(k), feederExportWh: [5n] })
    expect(judge(book, short)).toMatchObject({ verdict: 'reject', code: GossipCode.Shape })
    const far = signEnvelope(KEY, TEST_DOMAIN, envelope(NOW_K + 11n))
    expect(judge(book, far)).toMatchObject({ verdict: 'ignore', code: GossipCode.TooFarAhead })
    expect(judge(book, signEnvelope(KEY, TEST_DOMAIN, envelope(NOW_K + 10n))).verdict).toBe('accept')
  })

  it('two envelopes for one interval: the lowest digest is in force, whatever the arrival order', () => {
    const k = NOW_K + 3n
    const candidates = [100n, 200n, 300n, 400n].map((wh) => signEnvelope(KEY, TEST_DOMAIN, envelope(k, wh)))
    const inForce = (order: readonly number[]) => {
      const book = new EnvelopeBook(base, rules)
      const verdicts = order.map((i) => {
        const j = judge(book, candidates[i]!)
        if (j.verdict === 'accept') book.add(j.value, NOW)
        return j.code
      })
      return { digest: book.at(k)?.digest, verdicts, size: book.size }
    }
    const all = inForce([0, 1, 2, 3])
    const lowest = [...candidates]
      .map((c) => judge(new EnvelopeBook(base, rules), c))
      .sort((a, b) => {
        const [da, db] = [a, b].map((j) => (j.verdict === 'accept' ? j.value.digest : ''))
        return da! < db! ? -1 : 1
      })[0]!
    expect(lowest.verdict).toBe('accept')
    if (lowest.verdict === 'accept') expect(all.digest).toBe(lowest.value.digest)
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4 }), (order) => {
        const r = inForce(order)
        expect(r.digest).toBe(all.digest)
        expect(r.size).toBe(1)
        // A higher digest after the lowest is not relayed (IGNORE CONFLICT); nothing is REJECTed.
        expect(r.verdicts.every((c) => c === GossipCode.Accepted || c === GossipCode.Conflict)).toBe(true)
      }),
      { numRuns: 24 },
    )
  })

  it('forgets intervals long past: the book stays bounded', () => {
    const book = new EnvelopeBook(base, rules)
    // NOW_K + 1 is already past its deadline (the gate closure of NOW_K).
    for (let i = 2n; i <= 6n; i++) {
      const j = judge(book, signEnvelope(KEY, TEST_DOMAIN, envelope(NOW_K + i)))
      if (j.verdict === 'accept') book.add(j.value, NOW)
    }
    expect(book.size).toBe(5)
    const later = intervalStartMs(TIME, Number(NOW_K) + 14)
    const j = judge(book, signEnvelope(KEY, TEST_DOMAIN, envelope(NOW_K + 16n)), later)
    expect(j.verdict).toBe('accept')
    if (j.verdict === 'accept') book.add(j.value, later)
    // Intervals before now - 8 (= NOW_K + 6) are dropped: NOW_K + 6 and + 16 are kept.
    expect(book.size).toBe(2)
    expect(book.at(NOW_K + 5n)).toBeUndefined()
    expect(book.at(NOW_K + 6n)).toBeDefined()
  })
})
