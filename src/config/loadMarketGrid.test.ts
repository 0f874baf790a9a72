import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { GridletError } from '../core/errors.js'
import { parseConfig } from './loadConfig.js'
import { loadMarketGrid } from './loadMarketGrid.js'

const A = '0x00000000000000000000000000000000000000a1'
const B = '0x00000000000000000000000000000000000000b2'
const C = '0x00000000000000000000000000000000000000c3'
const RECIPIENT = '0x00000000000000000000000000000000000000d5'

/** Two feeders of one cable each (40 A: 461 Wh per 60 s interval); household A listed by account, m1 a meter id. */
const network = {
  name: 'test street',
  voltageKv: 0.4,
  transformer: { id: 'T1', bus: 'busbar', ratingKva: 100, vscPercent: 4, vscrPercent: 1 },
  buses: [{ id: 'busbar' }, { id: 'a1' }, { id: 'b1' }],
  lines: [
    { id: 'feeder-a', from: 'busbar', to: 'a1', lengthM: 100, rOhmPerKm: 0.206, xOhmPerKm: 0.08, ampacityA: 40 },
    { id: 'feeder-b', from: 'busbar', to: 'b1', lengthM: 100, rOhmPerKm: 0.206, xOhmPerKm: 0.08, ampacityA: 40 },
  ],
  households: [
    { id: A, bus: 'a1' },
    { id: 'm1', bus: 'b1' },
  ],
}

function configDir(net: unknown = network): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-grid-'))
  writeFileSync(join(dir, 'network.yaml'), stringify(net))
  return dir
}

const market = (grid: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  market: {
    intervalS: 60,
    gateClosureS: 10,
    ...extra,
    grid: { network: 'network.yaml', feeRecipient: RECIPIENT, ...grid },
  },
})

function errorOf(fn: () => unknown): GridletError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GridletError)
    return err as GridletError
  }
  throw new Error('expected an error')
}

describe('market.grid', () => {
  it('reads the network file relative to the config and keeps its path absolute', () => {
    const dir = configDir()
    const c = parseConfig(market({ fees: [0, 20, '60'], connections: { [B]: 'm1' } }), dir)
    expect(c.market.grid?.network).toBe(join(dir, 'network.yaml'))
    expect(c.market.grid?.fees).toEqual([0n, 20n, 60n])
    const g = loadMarketGrid(c.market.grid!, c.market.intervalS)
    expect(g.clearing.feederOf(A)).toBe(0)
    expect(g.clearing.feederOf(`0x${A.slice(2).toUpperCase()}`)).toBe(0)
    expect(g.clearing.feederOf(B)).toBe(1)
    expect(g.clearing.feederOf(C)).toBeUndefined()
    expect(g.clearing.transformerOf).toEqual([0, 0])
    // sqrt(3) * 400 V * 40 A * 1/60 h = 461.88 Wh; 100 kVA * 1/60 h = 1666.67 Wh (floored).
    expect(g.clearing.limits?.feeders).toEqual([
      { importWh: 461n, exportWh: 461n },
      { importWh: 461n, exportWh: 461n },
    ])
    expect(g.clearing.limits?.transformers).toEqual([{ importWh: 1666n, exportWh: 1666n }])
    expect(g.operator).toBeUndefined()
  })

  it('capacity off: fees only; an operator is checksummed', () => {
    const c = parseConfig(market({ capacity: false, operator: C }), configDir())
    const g = loadMarketGrid(c.market.grid!, 60)
    expect(g.clearing.limits).toBeUndefined()
    expect(g.operator).toBe('0x00000000000000000000000000000000000000C3')
    expect(g.leadIntervals).toBe(1)
  })

  it('a missing or bad network file names market.grid.network and the element', () => {
    expect(errorOf(() => parseConfig(market({ network: 'nope.yaml' }), configDir())).field).toBe('market.grid.network')
    const badBus = { ...network, lines: [{ ...network.lines[0], to: 'nowhere' }, network.lines[1]] }
    const e = errorOf(() => parseConfig(market({}), configDir(badBus)))
    expect(e.code).toBe('CONFIG_INVALID')
    expect(e.field).toBe('market.grid.network')
    expect(e.details).toMatch(/lines\[0\]\.to/)
    const negative = { ...network, transformer: { ...network.transformer, ratingKva: -1 } }
    expect(errorOf(() => parseConfig(market({}), configDir(negative))).details).toMatch(/transformer\.ratingKva/)
  })

  it('an unknown or doubly used connection point names the account', () => {
    const dir = configDir()
    const unknown = errorOf(() => parseConfig(market({ connections: { [B]: 'm9' } }), dir))
    expect(unknown.field).toBe(`market.grid.connections.${B}`)
    expect(unknown.details).toMatch(/"m9" is not in the household list/)
    const twice = errorOf(() => parseConfig(market({ connections: { [B]: 'm1', [C]: 'm1' } }), dir))
    expect(twice.field).toBe(`market.grid.connections.${C}`)
  })

  it('validates the section: fees by level, addresses, the rule', () => {
    const dir = configDir()
    expect(errorOf(() => parseConfig(market({ fees: [20, 10, 60] }), dir)).field).toBe('market.grid.fees')
    expect(errorOf(() => parseConfig(market({ fees: [0, 1.5, 2] }), dir)).field).toBe('market.grid.fees.1')
    // The settlement batch carries a fee per Wh in 64 bits: a larger one could never settle.
    expect(errorOf(() => parseConfig(market({ fees: [0, 1, String(2n ** 64n)] }), dir)).field).toBe(
      'market.grid.fees.2',
    )
    expect(errorOf(() => parseConfig(market({ feeRecipient: '0x12' }), dir)).field).toBe('market.grid.feeRecipient')
    expect(errorOf(() => parseConfig(market({ operator: 'alice' }), dir)).field).toBe('market.grid.operator')
    expect(errorOf(() => parseConfig(market({ connections: { bob: 'm1' } }), dir)).field).toMatch(
      /^market\.grid\.connections/,
    )
    expect(errorOf(() => parseConfig(market({ feers: [0, 0, 0] }), dir)).field).toBe('market.grid.feers')
    expect(errorOf(() => parseConfig(market({}, { rule: 'sdr' }), dir)).field).toBe('market.grid')
  })
})
