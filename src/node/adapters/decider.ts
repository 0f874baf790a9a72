import { createForecaster } from '../../core/forecast/createForecaster.js'
import type { ModelName } from '../../core/forecast/types.js'
import { createStrategy, type StrategyName } from '../../core/strategy/createStrategy.js'
import { spreadStrategy } from '../defaults.js'
import type { Decider } from '../ports.js'

export interface DeciderInit {
  readonly intervalS: number
  readonly model: ModelName
  readonly strategy: StrategyName | 'spread'
  /** Offset of the household's civil day from UTC, ms (weekday and weekend slots). */
  readonly utcOffsetMs: number
  /** Seed of a strategy that draws (zi). */
  readonly seed?: number
  readonly bounds?: { minSellPrice?: bigint; maxBuyPrice?: bigint }
}

/**
 * The core forecasters and strategy the node decides with: the meter gives import and export counters, so the two
 * series forecast are energy imported (stands for load) and exported (stands for PV surplus) per interval.
 *
 * @example
 * const decider = nodeDecider({ intervalS: 900, model: 'empirical-profile', strategy: 'forecast-aware', utcOffsetMs: 0 })
 */
export function nodeDecider(init: DeciderInit): Decider {
  const f = { slotMs: init.intervalS * 1000, utcOffsetMs: init.utcOffsetMs }
  return {
    load: createForecaster(init.model, f),
    pv: createForecaster(init.model, f),
    strategy:
      init.strategy === 'spread'
        ? spreadStrategy(init.bounds)
        : createStrategy(init.strategy, init.seed === undefined ? {} : { seed: init.seed }),
  }
}
