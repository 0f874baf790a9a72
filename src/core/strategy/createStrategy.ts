import { GridletError } from '../errors.js'
import { forecastAware } from './forecastAware.js'
import { truthful } from './truthful.js'
import type { Strategy } from './types.js'
import { zeroIntelligence } from './zeroIntelligence.js'

export const STRATEGY_NAMES = ['truthful', 'forecast-aware', 'zi'] as const
export type StrategyName = (typeof STRATEGY_NAMES)[number]

/** Options of the strategies that take any: `zi` draws its limits from `seed` (default 0). */
export interface StrategyOptions {
  readonly seed?: number
}

/**
 * A strategy by name; every strategy is the same plug-in interface (`plan(ctx)` -> order intents).
 *
 * @example
 * const s = createStrategy('forecast-aware')
 * const intents = s.plan(ctx)
 * const zi = createStrategy('zi', { seed: 7 })
 */
export function createStrategy(name: StrategyName, options: StrategyOptions = {}): Strategy {
  switch (name) {
    case 'truthful':
      return truthful()
    case 'forecast-aware':
      return forecastAware()
    case 'zi':
      return zeroIntelligence({ seed: options.seed ?? 0 })
    default:
      throw new GridletError('unknown strategy', {
        code: 'STRATEGY_NAME',
        field: 'strategy',
        details: `got ${String(name)}; known: ${STRATEGY_NAMES.join(', ')}`,
      })
  }
}
