import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { GridletError } from '../core/errors.js'
import { configTemplate } from './configTemplate.js'
import { loadConfig, parseConfig } from './loadConfig.js'

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GridletError)
    return (err as GridletError).field
  }
  throw new Error('expected an error')
}

describe('config', () => {
  it('the commented template documents exactly the defaults', () => {
    const fromTemplate = parseConfig(parse(configTemplate()), '/etc/gridlet')
    const defaults = parseConfig({}, '/etc/gridlet')
    expect(fromTemplate).toEqual(defaults)
    expect(defaults.keystore).toBe('/etc/gridlet/keystore.json')
    expect(defaults.market.retailPrice).toBe(300_000n)
  })

  it('names the bad field', () => {
    expect(fieldOf(() => parseConfig({ market: { intervalS: 30 } }, '/'))).toBe('market.intervalS')
    expect(fieldOf(() => parseConfig({ market: { intervalS: 700 } }, '/'))).toBe('market.intervalS')
    expect(fieldOf(() => parseConfig({ meter: { port: 'x' } }, '/'))).toBe('meter.port')
    expect(fieldOf(() => parseConfig({ meter: { prot: 502 } }, '/'))).toBe('meter.prot')
    expect(fieldOf(() => parseConfig({ market: { contract: '0x12' } }, '/'))).toBe('market.contract')
    expect(fieldOf(() => parseConfig({ market: { retailPrice: 1.5 } }, '/'))).toBe('market.retailPrice')
    // prices must be possible limit prices: below 2^96 (a trade's price is a uint96 on chain)
    expect(fieldOf(() => parseConfig({ strategy: { maxBuyPrice: `${2n ** 96n}` } }, '/'))).toBe('strategy.maxBuyPrice')
    expect(fieldOf(() => parseConfig({ market: { retailPrice: `${2n ** 96n}` } }, '/'))).toBe('market.retailPrice')
    expect(parseConfig({ strategy: { maxBuyPrice: `${2n ** 96n - 1n}` } }, '/').strategy.maxBuyPrice).toBe(
      2n ** 96n - 1n,
    )
  })

  it('reads a file and reports bad YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlet-config-'))
    writeFileSync(join(dir, 'ok.yaml'), configTemplate({ meterPort: 1502, storePath: 'db/x.sqlite' }))
    const c = loadConfig(join(dir, 'ok.yaml'))
    expect(c.meter.port).toBe(1502)
    expect(c.store.path).toBe(join(dir, 'db/x.sqlite'))
    writeFileSync(join(dir, 'bad.yaml'), 'market: [1,\n')
    expect(() => loadConfig(join(dir, 'bad.yaml'))).toThrow(/not valid YAML/)
  })
})
