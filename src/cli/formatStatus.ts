import type { TokenDisplay } from '../http/statusView.js'
import { formatAmount } from './amounts.js'
import type { IntervalView } from './marketStatus.js'

/**
 * `gridlet status` for people: a node's /api/status, with its unsettleable intervals and their reasons;
 * `intervals` are its recent intervals as `gridlet market status --node` shows them (`intervalView`).
 *
 * @example
 * console.log(formatStatus(body, schema.parse(body).settlementIntervals.map(intervalView)))
 */
// biome-ignore lint/suspicious/noExplicitAny: a JSON document from the node
export function formatStatus(s: any, intervals: readonly IntervalView[] = []): string {
  const unsettleable = intervals.filter((v) => v.state === 'unsettleable')
  const last = s.meter?.last
  const lines = [
    `status     ${s.status}  (${Object.entries(s.checks ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')})`,
    `account    ${s.account}`,
    `power      ${last ? `${last.powerW} W (${last.powerW >= 0 ? 'import' : 'export'})` : 'no reading'}`,
    `peers      ${s.peers}`,
    `next open  interval ${s.interval?.nextOpen}, gate closes ${timeText(s.interval?.closesAtMs)}`,
    `settlement ${s.settlement?.pending} pending, oldest ${Math.round((s.settlement?.oldestAgeMs ?? 0) / 1000)} s, ` +
      `${unsettleable.length} unsettleable of the last ${intervals.length} intervals`,
    ...unsettleable.map((v) => `  interval ${v.interval} unsettleable: ${v.reason}`),
    `earnings   ${earningsText(s.earnings, s.token)}`,
    `orders     ${(s.orders ?? [])
      .slice(0, 5)
      .map((x: { side: string; quantityWh: string; state: string }) => `${x.side} ${x.quantityWh} Wh ${x.state}`)
      .join('; ')}`,
  ]
  return lines.join('\n')
}

/** Earnings in the token's display unit when the node knows it (`market.token`), else in smallest units. */
function earningsText(earnings: unknown, token: TokenDisplay | null | undefined): string {
  if (!/^-?\d{1,60}$/.test(String(earnings))) return '-'
  const units = BigInt(String(earnings))
  return token ? formatAmount(units, token) : `${units} token units`
}

/** A node's epoch-ms time as ISO 8601, or '-' when it sent none that is a time. */
function timeText(ms: unknown): string {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : '-'
}
