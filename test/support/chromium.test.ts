import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { arch, platform, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'

describe('chromiumPath', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.resetModules()
  })

  it('takes GRIDLET_CHROMIUM as it is', async () => {
    const { chromiumPath } = await import('./chromium.js')
    expect(await chromiumPath({ GRIDLET_CHROMIUM: '/opt/chrome/chrome' })).toBe('/opt/chrome/chrome')
  })

  it.runIf(platform() === 'linux' && arch() === 'x64')(
    'unpacks the npm build again over a half-written binary, and it runs',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gridlet-chromium-unpack-'))
      try {
        vi.stubEnv('TMPDIR', dir)
        writeFileSync(join(dir, 'chromium'), '\x7fELF cut short', { mode: 0o700 })
        const { chromiumPath } = await import('./chromium.js')
        const path = await chromiumPath({})
        expect(path).toBe(join(dir, 'chromium'))
        expect(execFileSync(path, ['--version'], { encoding: 'utf8' })).toMatch(/^Chromium \d+\./)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )
})
