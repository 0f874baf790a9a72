import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { realDataSource } from './sources.js'

describe('realDataSource', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('stops with SIM_DATA_MISSING on first use when GRIDLET_DATA points nowhere', () => {
    vi.stubEnv('GRIDLET_DATA', join(tmpdir(), 'gridlet-no-such-data'))
    const src = realDataSource()
    expect(() => src.loads()).toThrow(expect.objectContaining({ code: 'SIM_DATA_MISSING', field: 'GRIDLET_DATA' }))
    expect(() => src.pvShape()).toThrow(expect.objectContaining({ code: 'SIM_DATA_MISSING' }))
  })
})
