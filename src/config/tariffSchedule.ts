import type { TariffSchedule } from '../core/strategy/tariffAt.js'
import type { NodeConfig } from './schema.js'

/**
 * The tariff a node decides with, from its market config: the time-of-use bands where there are any, else the flat
 * retail and feed-in prices, in the households' civil time.
 *
 * @example
 * const t = tariffAt(tariffSchedule(config.market), intervalStartMs(time, k))
 */
export function tariffSchedule(m: NodeConfig['market']): TariffSchedule {
  return {
    retailPrice: m.timeOfUse?.retail ?? m.retailPrice,
    feedInPrice: m.timeOfUse?.feedIn ?? m.feedInPrice,
    utcOffsetMs: m.utcOffsetHours * 3_600_000,
  }
}
