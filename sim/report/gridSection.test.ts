import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../test/support/chromium.js'
import { runScenario } from '../run.js'
import { parseScenario } from '../scenario/schema.js'
import { loadingColour } from './gridSection.js'

describe('HTML report: the grid section', () => {
  let dir: string
  let reportPath: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridlet-grid-report-'))
    const s = parseScenario({
      name: 'grid-report-test',
      seed: 4,
      period: { start: '2013-01-14T14:00:00Z', days: 1 },
      tariff: { retail: 250000, feedIn: 70000 },
      households: { count: 9, pv: { share: 0.5 } },
      network: { feeders: 3, transformerKva: 10 },
    })
    reportPath = (await runScenario(s, { outDir: dir })).reportPath
  }, 60_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes grid.json and one grid row per interval', () => {
    const g = JSON.parse(readFileSync(join(dir, 'grid.json'), 'utf8'))
    expect(g.network).toBe('generated-3x3')
    // 9 homes on a 10 kVA transformer: overloaded at the evening peak.
    expect(g.gridOnly.transformerOverloadHours).toBeGreaterThan(0)
    expect(readFileSync(join(dir, 'grid-intervals.csv'), 'utf8').trim().split('\n')).toHaveLength(49)
    expect(existsSync(join(dir, 'report.html'))).toBe(true)
  })

  it('draws the network (every cable and bus, the transformer coloured red) and the grid chart, offline', async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(pathToFileURL(reportPath).href)
      expect(errors).toEqual([])
      expect(await page.locator('#grid-network line').count()).toBe(9)
      expect(await page.locator('#grid-network circle').count()).toBe(10)
      expect(await page.locator('#grid-network rect').getAttribute('fill')).toBe(loadingColour(150))
      expect(await page.locator('#grid-kpis tr').count()).toBe(12)
      const colours = await page.$eval('#grid', (d) => {
        const canvas = d.querySelector('canvas')
        const { data } = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height) ?? {
          data: new Uint8ClampedArray(),
        }
        const seen = new Set<number>()
        for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
        return seen.size
      })
      expect(colours).toBeGreaterThan(20)
    } finally {
      await browser.close()
    }
  }, 60_000)
})
