import { request } from 'node:http'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/time/clock.js'
import { type HttpServer, startHttpServer } from '../../src/http/startHttpServer.js'
import { statusView } from '../../src/http/statusView.js'
import { createNodeMetrics } from '../../src/node/metrics.js'
import { launchChromium } from '../support/chromium.js'
import { fakeMeter, fakeSettlement, fixedDecider, KEYS, memoryHub, testNode } from './fakes.js'

const T0 = Date.UTC(2026, 0, 1, 12)

describe('dashboard in headless Chromium', () => {
  let http: HttpServer
  let registry: Registry

  beforeAll(async () => {
    // A seller and a buyer trade for a few intervals on an in-process market.
    const clock = manualClock(T0)
    const hub = memoryHub()
    registry = new Registry()
    const homes = [600, -900].map((net, i) => {
      const settlement = fakeSettlement(clock)
      const n = testNode(clock, {
        key: KEYS[i]!,
        network: hub.member().network,
        settlement,
        meter: fakeMeter(clock, -net * 12).meter,
        decider: fixedDecider(net),
        ...(i === 0 ? { metrics: createNodeMetrics(registry) } : {}),
      })
      return { ...n, settlement }
    })
    for (const h of homes) await h.node.start()
    for (let t = 0; t < 4 * 300_000; t += 10_000) {
      clock.advance(10_000)
      hub.conclude(clock.now())
      for (const h of homes) await h.node.tick()
      for (const h of homes) h.settlement.pump()
    }
    const seller = homes[0]!
    http = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      health: () => seller.node.snapshot(),

      status: () => statusView(seller.node, seller.store),
      registry,
    })
  })
  afterAll(() => http?.close())

  it('shows live power, health, orders, trades, earnings and the forecast chart', async () => {
    const context = await launchChromium()
    try {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
      await page.goto(http.url)
      await page.waitForFunction("document.getElementById('updated')?.textContent?.startsWith('updated')")
      expect(await page.textContent('#health')).toBe('ok')
      expect(await page.textContent('#power')).toMatch(/^[\d,]+ W export$/) // the seller exports 7,200 W
      expect(await page.textContent('#peers')).toBe('1')
      const earnings = Number((await page.textContent('#earnings'))!.replaceAll(',', ''))
      expect(earnings).toBeGreaterThan(0)
      const orders = await page.$$eval('#orders tbody tr', (rows) => rows.map((r) => r.textContent))
      expect(orders.length).toBeGreaterThanOrEqual(4)
      expect(orders.some((t) => t?.includes('sell') && t.includes('traded'))).toBe(true)
      const trades = await page.$$eval('#trades tbody tr td', (cells) => cells.map((c) => c.textContent))
      expect(trades).toContain('sell')
      expect(trades).toContain('600') // quantity Wh
      expect(await page.$$eval('#forecast-chart path', (p) => p.length)).toBe(2) // forecast and measured lines
      expect(await page.$$eval('#power-chart path', (p) => p.length)).toBe(1)
      expect(await page.$$eval('#checks li', (li) => li.map((l) => l.textContent))).toContain('meter: ok')
      expect(errors).toEqual([]) // no CSP violation or script error
      if (process.env.DASHBOARD_SCREENSHOT)
        await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true })
    } finally {
      await context.close()
    }
  })

  it('serves health and Prometheus metrics, refuses foreign hosts and writes', async () => {
    const health = await fetch(`${http.url}/health`)
    expect(health.status).toBe(200)
    expect(((await health.json()) as { status: string }).status).toBe('ok')
    const metrics = await (await fetch(`${http.url}/metrics`)).text()
    expect(metrics).toMatch(/gridlet_readings_stored_total \d+/)
    expect(metrics).toMatch(/gridlet_orders_sent_total\{side="sell"\} [1-9]/)
    expect((await fetch(`${http.url}/api/status`, { method: 'POST' })).status).toBe(405)
    // fetch may not set Host: use a raw request, as a DNS-rebinding page would arrive.
    const status = await new Promise<number | undefined>((resolve, reject) =>
      request(`${http.url}/health`, { headers: { host: 'evil.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode)
      })
        .on('error', reject)
        .end(),
    )
    expect(status).toBe(421)
  })
})
