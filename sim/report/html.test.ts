import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../test/support/chromium.js'
import { runScenario } from '../run.js'
import { parseScenario } from '../scenario/schema.js'

describe('HTML report', () => {
  let dir: string
  let reportPath: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridlet-report-'))
    const s = parseScenario({
      name: 'report-test',
      seed: 3,
      period: { start: '2013-01-14T14:00:00Z', days: 1 },
      tariff: { retail: 250000, feedIn: 70000 },
      households: { count: 8, pv: { share: 0.5 } },
    })
    reportPath = (await runScenario(s, { outDir: dir })).reportPath
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('renders every chart in headless Chromium, offline', async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const requests: string[] = []
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url())
      })
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(pathToFileURL(reportPath).href)
      const charts = await page.$$eval('.chart', (divs) =>
        divs.map((d) => {
          const canvas = d.querySelector('canvas')
          if (!canvas) return { id: d.id, colours: 0 }
          const ctx = canvas.getContext('2d')
          const { data } = ctx?.getImageData(0, 0, canvas.width, canvas.height) ?? { data: new Uint8ClampedArray() }
          const colours = new Set<number>()
          for (let i = 0; i < data.length; i += 4 * 7)
            colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
          return { id: d.id, colours: colours.size }
        }),
      )
      expect(errors).toEqual([])
      expect(requests).toEqual([])
      expect(charts.map((c) => c.id)).toEqual(['prices', 'energy', 'volume', 'bills'])
      // A drawn chart has axes, labels and series in several colours; an empty canvas has one.
      for (const c of charts) expect(c.colours, c.id).toBeGreaterThan(20)
      expect(await page.locator('#kpis tr').count()).toBeGreaterThan(10)
    } finally {
      await browser.close()
    }
  })
})
