import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { registersPlan } from './meterSource.js'
import { listProfiles, loadProfile, PROFILES_DIR, parseProfile, profileJsonSchema } from './profile.js'

describe('meter profiles', () => {
  it('every built-in profile validates, and the issue’s devices are there', () => {
    const ids = listProfiles().map((p) => loadProfile(p.file).id)
    expect(ids).toEqual(
      expect.arrayContaining([
        'eastron-sdm630',
        'eastron-sdm120',
        'carlogavazzi-em340',
        'sunspec',
        'eastron-sdm72d-m-v1',
      ]),
    )
    expect(loadProfile('sdm72').id).toBe('eastron-sdm630') // SDM72DM-V2 shares the SDM630 map
  })

  it('the documented custom example validates', () => {
    const profile = loadProfile(join(PROFILES_DIR, 'examples', 'custom-meter.json'))
    expect(profile.kind).toBe('registers')
  })

  it('plans one read per reading for SDM630 (76 registers at 0), SDM120 and EM340', () => {
    const blocks = (id: string) => {
      const p = loadProfile(id)
      return p.kind === 'registers' ? registersPlan(p).blocks : []
    }
    expect(blocks('sdm630')).toEqual([{ functionCode: 4, address: 0, count: 76 }])
    expect(blocks('sdm120')).toEqual([{ functionCode: 4, address: 0, count: 76 }])
    expect(blocks('em340')).toEqual([{ functionCode: 4, address: 0, count: 80 }])
  })

  it('splits reads at maxRegistersPerRead', () => {
    const p = loadProfile('sdm630')
    if (p.kind !== 'registers') return expect.unreachable('sdm630 is a register map')
    expect(registersPlan({ ...p, maxRegistersPerRead: 40 }).blocks).toEqual([
      { functionCode: 4, address: 0, count: 18 },
      { functionCode: 4, address: 52, count: 24 },
    ])
  })

  it('a broken profile gets an error naming the file and the field', () => {
    const good = JSON.parse(readFileSync(join(PROFILES_DIR, 'eastron-sdm120.json'), 'utf8'))
    const cases: [unknown, string][] = [
      [
        { ...good, values: { ...good.values, importEnergyWh: { ...good.values.importEnergyWh, wordOrder: 'BACD' } } },
        'values.importEnergyWh.wordOrder',
      ],
      [{ ...good, values: { ...good.values, exportEnergyWh: undefined } }, 'values.exportEnergyWh'],
      [{ ...good, functionCode: 6 }, 'functionCode'],
      [{ ...good, values: { ...good.values, powerW: good.values.activePowerW } }, 'values'],
    ]
    for (const [input, field] of cases) {
      expect(() => parseProfile(input, 'meters/mine.json')).toThrow(
        expect.objectContaining({ code: 'PROFILE', field, shortMessage: 'invalid meter profile meters/mine.json' }),
      )
    }
    expect(() => loadProfile('no-such-meter')).toThrow(expect.objectContaining({ code: 'PROFILE', field: 'profile' }))
  })

  it('meters/profile.schema.json is generated from the zod schema (regenerate: see meters/README.md)', () => {
    const committed = JSON.parse(readFileSync(join(PROFILES_DIR, 'profile.schema.json'), 'utf8'))
    expect(committed).toEqual(profileJsonSchema())
  })
})
