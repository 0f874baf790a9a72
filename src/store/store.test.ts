import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { clear } from '../core/market/clear.js'
import { TEST_DOMAIN as domain } from '../core/market/testBooks.js'
import { signOrder } from '../core/order/signOrder.js'
import { Side } from '../core/order/types.js'
import { MIGRATIONS, openDatabase, openStore } from './index.js'

const PK = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const market = `0x${'11'.repeat(32)}` as const
const order = (interval: number, nonce: number, quantityWh: bigint) =>
  signOrder(PK, domain, {
    market,
    interval: BigInt(interval),
    side: Side.Sell,
    quantityWh,
    limitPrice: 100_000n,
    account: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    nonce: BigInt(nonce),
    expiry: 2_000_000_000n,
  })

describe('store', () => {
  it('migrates once, includes external schemas, keeps readings across reopen', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gridlet-store-')), 'db.sqlite')
    let externalRuns = 0
    const outbox = {
      name: 'outbox',
      migrate: (db: import('node:sqlite').DatabaseSync) => {
        externalRuns++
        db.exec('CREATE TABLE IF NOT EXISTS outbox_test (k TEXT PRIMARY KEY)')
      },
    }
    const a = openStore(path, [outbox])
    expect(a.db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
    a.insertReading({ ts: 1000, powerW: -500, importWh: 10, exportWh: 20 })
    a.db.close()
    const b = openStore(path, [outbox])
    expect(b.latestReading()).toEqual({ ts: 1000, powerW: -500, importWh: 10, exportWh: 20 })
    expect(externalRuns).toBe(2)
    expect(b.db.prepare('PRAGMA user_version').get()).toEqual({ user_version: MIGRATIONS.length })
    b.db.exec('PRAGMA user_version = 99')
    b.db.close()
    expect(() => openStore(path)).toThrow(/newer gridlet/)
  })

  it('upgrades a version-1 database in place, keeping its rows', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gridlet-store-')), 'db.sqlite')
    const v1 = openDatabase(path, MIGRATIONS.slice(0, 1))
    v1.exec(`INSERT INTO interval_summaries (interval, measured_net_wh, forecast_net_wh, traded_net_wh, imbalance_wh,
      earnings, created_ms) VALUES (5, 100, 90, 80, 20, '1234', 1)`)
    v1.close()
    const s = openStore(path)
    expect(s.db.prepare('PRAGMA user_version').get()).toEqual({ user_version: MIGRATIONS.length })
    expect(s.recentSummaries(1)[0]).toMatchObject({
      interval: 5,
      measuredNetWh: 100,
      measuredImportWh: null,
      earnings: 1234n,
    })
  })

  it('keeps the attestations with a result, and replaces them with a later outcome', () => {
    const s = openStore(':memory:')
    const result = clear([], { rule: 'k-da', interval: 7n, retailPrice: 300_000n, feedInPrice: 80_000n, lengthS: 900 })
    const vote = (n: number) => ({
      account: `0x${String(n).repeat(40)}` as const,
      setHash: `0x${'ab'.repeat(32)}` as const,
      signature: `0x${'cd'.repeat(65)}` as const,
    })
    s.saveResult(result, 0, 'cleared', 1, 1, 0, [vote(1)])
    expect(s.result(7)?.attestations).toEqual([vote(1)])
    s.replaceResult(result, 0, 'cleared', 2, 0, [vote(1), vote(2)])
    expect(s.result(7)?.attestations).toEqual([vote(1), vote(2)])
  })

  it('stores a decision with its signed orders atomically and refuses a second one for the slot', () => {
    const s = openStore(':memory:')
    const first = order(7, 0, 500n)
    s.saveDecision(7, 1, 500, [first])
    expect(() => s.saveDecision(7, 2, 600, [order(7, 0, 600n)])).toThrow()
    expect(s.ownOrders(7).map((o) => o.order)).toEqual([first])
    expect(s.unpublishedOrders(0)).toHaveLength(1)
    s.markPublished(first.id, 5)
    expect(s.unpublishedOrders(0)).toHaveLength(0)
    // A failing transaction leaves nothing behind: the decision row is rolled back with the bad order.
    expect(() => s.saveDecision(8, 1, 0, [order(8, 0, 1n), order(8, 0, 2n)])).toThrow()
    expect(s.hasDecision(8)).toBe(false)
  })

  it('stores received orders once and round-trips them', () => {
    const s = openStore(':memory:')
    const o = order(9, 0, 700n)
    expect(s.insertReceived(o, 1)).toBe(true)
    expect(s.insertReceived(o, 2)).toBe(false)
    expect(s.receivedOrders(9)).toEqual([o])
  })
})
