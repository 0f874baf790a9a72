import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileNetwork } from './compileNetwork.js'
import { generateNetwork } from './generateNetwork.js'
import { gridLevels } from './levels.js'

describe('generateNetwork and gridLevels', () => {
  const net = generateNetwork({ households: 60, feeders: 3 })
  const lv = gridLevels(compileNetwork(net), 1800)

  it('builds 3 feeders x 20 homes on a 160 kVA transformer, deterministically', () => {
    expect(net.transformer.ratingKva).toBe(160)
    expect(lv.feeders.map((f) => f.households.length)).toEqual([20, 20, 20])
    expect(generateNetwork({ households: 60, feeders: 3 })).toEqual(net)
    expect(generateNetwork({ households: 7, feeders: 3 }).households.map((h) => h.bus.split('.')[0])).toEqual([
      'F1',
      'F1',
      'F2',
      'F2',
      'F3',
      'F3',
      'F3',
    ])
  })

  it('gives the level a trade crosses: same feeder < same transformer < upstream', () => {
    expect(lv.feederOf('0')).toBe('LV-F1.1')
    expect(lv.feederOf('59')).toBe('LV-F3.1')
    expect(lv.feederOf('60')).toBeUndefined()
    expect(lv.levelBetween('3', '19')).toBe('feeder')
    expect(lv.levelBetween('19', '20')).toBe('transformer')
    expect(lv.levelBetween('0', 'elsewhere')).toBe('upstream')
  })

  it('limits per interval in whole Wh: head cable sqrt(3) U I_max, transformer kVA, times the interval', () => {
    expect(lv.feeders[0]!.limitWh).toBe(Math.floor(Math.sqrt(3) * 400 * 270 * 0.5)) // 93,530 Wh per 30 min
    expect(lv.transformer).toEqual({ id: 'T1', limitWh: 80_000 })
  })

  it('levels are symmetric, and "feeder" exactly when both are on the same feeder (any counts)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 40 }),
        fc.nat(),
        fc.nat(),
        (f, extra, a, b) => {
          const n = f + extra
          const g = gridLevels(compileNetwork(generateNetwork({ households: n, feeders: f })), 900)
          const [x, y] = [String(a % n), String(b % n)]
          expect(g.levelBetween(x, y)).toBe(g.levelBetween(y, x))
          expect(g.levelBetween(x, y) === 'feeder').toBe(g.feederOf(x) === g.feederOf(y))
          expect(g.feeders.reduce((s, fd) => s + fd.households.length, 0)).toBe(n)
        },
      ),
    )
  })

  it('refuses counts it cannot lay out', () => {
    expect(() => generateNetwork({ households: 2, feeders: 3 })).toThrow('households must be an integer >= feeders')
    expect(() => generateNetwork({ households: 2, feeders: 0 })).toThrow('feeders must be an integer >= 1')
  })
})
