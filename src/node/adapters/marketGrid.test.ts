import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { keccak256, stringToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../config/loadConfig.js'
import { generateNetwork } from '../../core/grid/index.js'
import { TEST_DOMAIN } from '../../core/market/testBooks.js'
import { marketTime } from '../../core/time/interval.js'
import { marketGridOf } from './marketGrid.js'

const MARKET = keccak256(stringToHex('grid wiring'))
const TIME = marketTime({ lengthS: 900, gateClosureS: 60, maxSkewS: 5 })
const OPERATOR = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

function config(grid?: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-wiring-'))
  writeFileSync(join(dir, 'net.json'), JSON.stringify(generateNetwork({ households: 6, feeders: 2 })))
  const section = grid && { network: 'net.json', feeRecipient: OPERATOR, ...grid }
  return parseConfig({ market: section ? { grid: section } : {} }, dir)
}

describe('marketGridOf', () => {
  it('no market.grid: the plain market', () => {
    expect(marketGridOf(config(), { domain: TEST_DOMAIN, market: MARKET, time: TIME })).toBeUndefined()
  })

  it('a grid without an operator: fees and static limits, no envelope topic', () => {
    const g = marketGridOf(config({ fees: [1, 2, 3] }), { domain: TEST_DOMAIN, market: MARKET, time: TIME })
    expect(g?.envelopes).toBeUndefined()
    expect(g?.clearing.feePerWh).toEqual([1n, 2n, 3n])
    expect(g?.clearing.limits?.feeders).toHaveLength(2)
  })

  it("with an operator: the book of its envelopes, under the config's deadline rules", () => {
    const c = config({ operator: OPERATOR, envelopeLeadIntervals: 2, envelopeMaxAheadIntervals: 8 })
    const g = marketGridOf(c, { domain: TEST_DOMAIN, market: MARKET, time: TIME })!
    const book = g.envelopes!
    expect(book.base).toBe(g.clearing)
    expect(book.rules.operator).toBe(OPERATOR)
    expect(book.leadIntervals).toBe(2)
    expect(book.maxAheadIntervals).toBe(8)
    // Gate closure of k - 2.
    expect(book.deadline(100n)).toBe(98 * 900_000 - 60_000)
  })
})
