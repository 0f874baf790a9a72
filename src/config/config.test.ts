import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { GridletError } from '../core/errors.js'
import { configTemplate } from './configTemplate.js'
import { loadConfig, parseConfig } from './loadConfig.js'
import { tariffSchedule } from './tariffSchedule.js'

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GridletError)
    return (err as GridletError).field
  }
  return undefined
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

  it('takes a time-of-use tariff whose bands cover the day in order, and names the bad band', () => {
    const retail = [
      { from: '00:00', to: '07:00', price: 150000 },
      { from: '07:00', to: '24:00', price: '450000' },
    ]
    const c = parseConfig({ market: { utcOffsetHours: 10, timeOfUse: { retail } } }, '/')
    expect(c.market.timeOfUse?.retail?.map((b) => b.price)).toEqual([150_000n, 450_000n])
    expect(c.market.timeOfUse?.feedIn).toBeUndefined()
    expect(tariffSchedule(c.market)).toEqual({
      retailPrice: c.market.timeOfUse?.retail,
      feedInPrice: 80_000n,
      utcOffsetMs: 36_000_000,
    })
    expect(parseConfig({}, '/').market.timeOfUse).toBeUndefined()
    const bad = (feedIn: unknown, rule = 'k-da') =>
      fieldOf(() => parseConfig({ market: { rule, timeOfUse: { feedIn } } }, '/'))
    expect(bad([{ from: '00:00', to: '12:00', price: 1 }])).toBe('market.timeOfUse.feedIn.0.to') // ends before 24:00
    expect(
      bad([
        { from: '00:00', to: '06:00', price: 1 },
        { from: '07:00', to: '24:00', price: 1 },
      ]),
    ).toBe('market.timeOfUse.feedIn.1.from') // a gap
    expect(
      bad([
        { from: '00:00', to: '24:00', price: 1 },
        { from: '24:00', to: '24:00', price: 1 },
      ]),
    ).toBe('market.timeOfUse.feedIn.1.from') // past the day
    expect(bad([{ from: '06:00', to: '00:00', price: 1 }])).toBe('market.timeOfUse.feedIn.0.from')
    expect(bad([{ from: '00:00', to: '25:00', price: 1 }])).toBe('market.timeOfUse.feedIn.0.to')
    expect(bad([{ from: '00:00', to: '24:00', price: 1.5 }])).toBe('market.timeOfUse.feedIn.0.price')
    expect(bad([])).toBe('market.timeOfUse.feedIn')
    // SDR and MMR clear with one retail and feed-in price
    expect(bad([{ from: '00:00', to: '24:00', price: 1 }], 'sdr')).toBe('market.timeOfUse')
    expect(bad([{ from: '00:00', to: '24:00', price: 1 }], 'pay-as-bid')).toBeUndefined()
  })

  it('follows the registry 0 blocks deep on a dev chain and 2 elsewhere unless set, and names a bad depth', () => {
    expect(parseConfig({}, '/').chain.registryConfirmations).toBe(0)
    expect(parseConfig({ market: { chainId: 100 } }, '/').chain.registryConfirmations).toBe(2)
    expect(parseConfig({ market: { chainId: 100 }, chain: { registryConfirmations: 0 } }, '/').chain).toMatchObject({
      registryConfirmations: 0,
    })
    expect(parseConfig({ chain: { registryConfirmations: 12 } }, '/').chain.registryConfirmations).toBe(12)
    for (const bad of [-1, 1.5, 65, '2'])
      expect(fieldOf(() => parseConfig({ chain: { registryConfirmations: bad } }, '/'))).toBe(
        'chain.registryConfirmations',
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
