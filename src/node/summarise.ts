import type { Logger } from 'pino'
import type { Hex } from 'viem'
import { intervalAt, intervalStartMs, type MarketTime } from '../core/time/interval.js'
import type { NodeStore } from '../store/nodeStore.js'

export interface SummaryDeps {
  readonly store: NodeStore
  readonly logger: Logger
  readonly account: Hex
  readonly time: MarketTime
  readonly pollMs: number
}

/** One finished interval as measured: what the meter counted, or null when readings around it are missing. */
export interface MeasuredInterval {
  readonly interval: number
  readonly flows: { readonly importWh: number; readonly exportWh: number } | null
}

/**
 * Summarises every finished interval not summarised yet: the energy measured between the readings nearest its
 * bounds, what we traded in it (a buyer's trades are settled by the seller's node: every trade of an undisputed
 * result counts) and what it earned. Returns the measured intervals in order, for the forecasters to learn from.
 *
 * @example
 * for (const m of summariseIntervals(deps, now)) observe(m)
 */
export function summariseIntervals(d: SummaryDeps, now: number): MeasuredInterval[] {
  const { store, logger, time, pollMs } = d
  const me = d.account.toLowerCase()
  const out: MeasuredInterval[] = []
  for (const k of store.intervalsToSummarise(intervalAt(time, now - pollMs * 2))) {
    const a = store.readingNear(intervalStartMs(time, k), pollMs * 3)
    const b = store.readingNear(intervalStartMs(time, k + 1), pollMs * 3)
    const flows =
      a && b && b.ts > a.ts ? { importWh: b.importWh - a.importWh, exportWh: b.exportWh - a.exportWh } : null
    const measured = flows && flows.exportWh - flows.importWh
    const result = store.result(k)
    const settled = result && result.status !== 'disputed'
    let traded = 0n
    let earnings = 0n
    for (const t of settled ? result.result.trades : []) {
      if (t.seller.toLowerCase() === me) {
        traded += t.quantityWh
        earnings += t.amount
      }
      if (t.buyer.toLowerCase() === me) {
        traded -= t.quantityWh
        earnings -= t.amount
      }
    }
    store.saveSummary(
      {
        interval: k,
        measuredImportWh: flows?.importWh ?? null,
        measuredExportWh: flows?.exportWh ?? null,
        measuredNetWh: measured,
        forecastNetWh: store.decisionForecast(k) ?? null,
        tradedNetWh: Number(traded),
        imbalanceWh: measured === null ? null : measured - Number(traded),
        earnings,
      },
      now,
    )
    out.push({ interval: k, flows })
    logger.info({ interval: k, measuredNetWh: measured, tradedNetWh: Number(traded) }, 'interval summarised')
  }
  return out
}
