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

  it('refuses counts it cannot lay out', () => {
    expect(() => generateNetwork({ households: 2, feeders: 3 })).toThrow('households must be an integer >= feeders')
    expect(() => generateNetwork({ households: 2, feeders: 0 })).toThrow('feeders must be an integer >= 1')
  })
})
