import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Address } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { parseConfig } from '../../src/config/loadConfig.js'
import { GridletError } from '../../src/core/errors.js'
import { clear } from '../../src/core/market/clear.js'
import type { GridClearing } from '../../src/core/market/grid.js'
import { type OperatingEnvelope, signEnvelope } from '../../src/core/market/operatingEnvelope.js'
import type { ClearingResult } from '../../src/core/market/types.js'
import type { VerifiedOrder } from '../../src/core/order/types.js'
import { marketGridOf } from '../../src/node/adapters/marketGrid.js'
import { accountOf } from '../../src/p2p/accountSig.js'
import { pubsubOf } from '../../src/p2p/createLibp2pNode.js'
import type { IntervalOutcome } from '../../src/p2p/createMarketNode.js'
import type { MarketGrid } from '../../src/p2p/envelopeBook.js'
import { encodeEnvelope, envelopeTopic } from '../../src/p2p/envelopeCodec.js'
import {
  bookFor,
  CLEARING,
  DOMAIN,
  households,
  MARKET,
  type Net,
  outcomesFor,
  sleep,
  startNet,
  submitAll,
  TIME,
  upcomingInterval,
} from './harness.js'

const OPERATOR_KEY = generatePrivateKey()
const RECIPIENT = '0x00000000000000000000000000000000000000d5'
/** sqrt(3) * 400 V * 40 A over a 60 s interval, floored: the feeders' static limit. */
const FEEDER_LIMIT_WH = 461n

/**
 * A street of two feeders (40 A head cables) with meters m0..m3. Households 0 and 2 (the sellers of `bookFor`)
 * are on feeder a, 1 and 3 (the buyers) on feeder b: every trade crosses the busbar (level 1, 20 per Wh) and
 * leaves feeder a, so feeder a's export limit binds (the book would trade 840 Wh unconstrained).
 */
function pilotConfig(accounts: readonly Address[]) {
  const cable = { lengthM: 60, rOhmPerKm: 0.206, xOhmPerKm: 0.08, ampacityA: 40 }
  const network = {
    name: 'two-feeder street',
    voltageKv: 0.4,
    transformer: { id: 'T1', bus: 'busbar', ratingKva: 100, vscPercent: 4, vscrPercent: 1 },
    buses: ['busbar', 'a1', 'a2', 'b1', 'b2'].map((id) => ({ id })),
    lines: [
      { id: 'feeder-a', from: 'busbar', to: 'a1', ...cable },
      { id: 'a1-a2', from: 'a1', to: 'a2', ...cable },
      { id: 'feeder-b', from: 'busbar', to: 'b1', ...cable },
      { id: 'b1-b2', from: 'b1', to: 'b2', ...cable },
    ],
    households: ['a1', 'a2', 'b1', 'b2'].map((bus, i) => ({ id: `m${i}`, bus })),
  }
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-pilot-'))
  writeFileSync(join(dir, 'street.yaml'), stringify(network))
  const meterOf = ['m0', 'm2', 'm1', 'm3']
  const grid = {
    network: 'street.yaml',
    fees: [0, 20, 60],
    feeRecipient: RECIPIENT,
    operator: accountOf(OPERATOR_KEY),
    connections: Object.fromEntries(accounts.map((a, i) => [a, meterOf[i]])),
  }
  return parseConfig({ market: { intervalS: 60, gateClosureS: 10, maxSkewS: 1, grid } }, dir)
}

const envelope = (interval: bigint, feederAExportWh: bigint): OperatingEnvelope => ({
  market: MARKET,
  interval,
  feederImportWh: [10_000n, 10_000n],
  feederExportWh: [feederAExportWh, 10_000n],
  transformerImportWh: [10_000n],
  transformerExportWh: [10_000n],
})

/** What a node clears locally from the same orders: the reference every node's agreed root must equal. */
const localClear = (orders: readonly VerifiedOrder[], k: bigint, grid: GridClearing): ClearingResult =>
  clear(orders, { ...CLEARING, interval: k, lengthS: TIME.lengthS }, [], grid)

function expectAgreed(outcomes: readonly IntervalOutcome[], expected: ClearingResult): void {
  for (const o of outcomes) {
    expect(o.agreed).toBe(true)
    expect(o.root).toBe(expected.root)
  }
  const r = outcomes[0]!.result
  expect(r.feeRecipient?.toLowerCase()).toBe(RECIPIENT)
  for (const t of r.trades) {
    expect(t.level).toBe(1)
    expect(t.fee).toBe(t.quantityWh * 20n)
  }
}

async function until(what: string, done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

describe('a grid-aware market on real libp2p nodes', () => {
  let net: Net
  let grids: MarketGrid[]
  const hs = households(4)
  const counter = (i: number, key: string) => net.nodes[i]!.stats().validation[key] ?? 0

  beforeAll(async () => {
    // Each node builds its grid input from the same config and network file, as startNode does.
    const config = pilotConfig(hs.map((h) => h.account))
    grids = hs.map(() => marketGridOf(config, { domain: DOMAIN, market: MARKET, time: TIME })!)
    net = await startNet({ n: 4, hs, overrides: (i) => ({ grid: grids[i]! }) })
  })
  afterAll(() => net?.stop())

  it('every node clears with the fees and the static feeder limit to the same agreed root', async () => {
    const k = upcomingInterval(net.clock)
    const done = outcomesFor(net.nodes, k)
    const book = bookFor(hs, k)
    await submitAll(net.nodes, book)
    const outcomes = await done
    const expected = localClear(book, k, grids[0]!.clearing)
    expectAgreed(outcomes, expected)
    expect(outcomes[0]!.result.volumeWh).toBe(FEEDER_LIMIT_WH)
    expect(localClear(book, k, { ...grids[0]!.clearing, limits: {} }).volumeWh).toBe(840n)
  })

  it("the operator's envelope, published over gossip, lowers feeder a's limit on every node", async () => {
    const k = upcomingInterval(net.clock, 200_000)
    const signed = signEnvelope(OPERATOR_KEY, DOMAIN, envelope(k, 200n))
    await net.nodes[0]!.publishEnvelope(signed)
    await until('the envelope on every node', () => grids.every((g) => g.envelopes!.at(k) !== undefined))
    expect(net.clock.now()).toBeLessThan(grids[0]!.envelopes!.deadline(k))
    const done = outcomesFor(net.nodes, k)
    const book = bookFor(hs, k)
    await submitAll(net.nodes, book)
    const outcomes = await done
    expectAgreed(outcomes, localClear(book, k, grids[0]!.envelopes!.gridAt(k)))
    expect(outcomes[0]!.result.volumeWh).toBe(200n)
    for (let i = 1; i < 4; i++) expect(counter(i, 'envelopes:accept:ACCEPTED')).toBeGreaterThan(0)
  })

  it('an envelope that arrives after its deadline is ignored by every node: k clears with the static limit', async () => {
    const k = upcomingInterval(net.clock, 20_000)
    const book = bookFor(hs, k)
    const done = outcomesFor(net.nodes, k)
    await submitAll(net.nodes, book)
    const envelopes = grids[0]!.envelopes!
    await net.clock.sleepUntil(envelopes.deadline(k) + 1000)
    const signed = signEnvelope(OPERATOR_KEY, DOMAIN, envelope(k, 100n))
    const pubsub = pubsubOf(net.nodes[0]!.libp2p)
    const late = await net.nodes[0]!.publishEnvelope(signed).catch((e: unknown) => e)
    expect(late).toBeInstanceOf(GridletError)
    expect((late as GridletError).code).toBe('P2P_ENVELOPE_LATE')
    // A relay that publishes it anyway (its clock is behind): every peer ignores it.
    const before = [1, 2, 3].map((i) => counter(i, 'envelopes:ignore:LATE'))
    await pubsub.publish(envelopeTopic(MARKET), encodeEnvelope(signed))
    await until('the late envelope at every peer', () =>
      [1, 2, 3].every((i, j) => counter(i, 'envelopes:ignore:LATE') > before[j]!),
    )
    const outcomes = await done
    expect(grids.every((g) => g.envelopes!.at(k) === undefined)).toBe(true)
    expectAgreed(outcomes, localClear(book, k, grids[0]!.clearing))
    expect(outcomes[0]!.result.volumeWh).toBe(FEEDER_LIMIT_WH)
  })

  it('an envelope signed by another key is rejected and its sender loses score', async () => {
    const k = upcomingInterval(net.clock, 200_000)
    const sender = net.nodes[3]!
    const forged = [100n, 150n, 250n].map((wh) => signEnvelope(generatePrivateKey(), DOMAIN, envelope(k, wh)))
    for (const f of forged) await pubsubOf(sender.libp2p).publish(envelopeTopic(MARKET), encodeEnvelope(f))
    const neighbours = [0, 1, 2]
    await until('the rejects', () => neighbours.every((i) => counter(i, 'envelopes:reject:NOT_OPERATOR') >= 3))
    const id = sender.peerId.toString()
    await until('a negative score', () => neighbours.every((i) => pubsubOf(net.nodes[i]!.libp2p).getScore(id) < 0))
    expect(grids.every((g) => g.envelopes!.at(k) === undefined)).toBe(true)
  })
})
