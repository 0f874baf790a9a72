import { describe, expect, it } from 'vitest'
import { MeterError } from '../errors.js'
import { loadProfile } from '../profile.js'
import { imageWriter } from './image.js'

describe('simulator register images', () => {
  it('a SunSpec model the profile does not have is a typed PROFILE error naming the option', () => {
    const sunspec = loadProfile('sunspec')
    const err = (() => {
      try {
        imageWriter(sunspec, { pvModel: 999 })
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(MeterError)
    expect(err).toMatchObject({ code: 'PROFILE', field: 'sunspec.pvModel' })
    expect(() => imageWriter(sunspec, { gridModel: 998 })).toThrow(
      expect.objectContaining({ code: 'PROFILE', field: 'sunspec.gridModel' }),
    )
    expect(imageWriter(sunspec, { pvModel: 103 }).images).toHaveLength(1)
  })
})
