import { GridletError } from '../errors.js'
import { forecastAware } from './forecastAware.js'
import { truthful } from './truthful.js'
import type { Strategy } from './types.js'

export const STRATEGY_NAMES = ['truthful', 'forecast-aware'] as const
export type StrategyName = (typeof STRATEGY_NAMES)[number]

/**
 * A strategy by name.
 *
 * @example
 * const s = createStrategy('forecast-aware')
 * const intents = s.plan(ctx)
 */
export function createStrategy(name: StrategyName): Strategy {
  switch (name) {
    case 'truthful':
      return truthful()
    case 'forecast-aware':
      return forecastAware()
    default:
      throw new GridletError('unknown strategy', {
        code: 'STRATEGY_NAME',
        field: 'strategy',
        details: `got ${String(name)}; known: ${STRATEGY_NAMES.join(', ')}`,
      })
  }
}
