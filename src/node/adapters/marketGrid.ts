import type { Hex } from 'viem'
import type { LoadedConfig } from '../../config/loadConfig.js'
import { loadMarketGrid } from '../../config/loadMarketGrid.js'
import type { MarketDomain } from '../../core/order/types.js'
import type { MarketTime } from '../../core/time/interval.js'
import { EnvelopeBook, type MarketGrid } from '../../p2p/envelopeBook.js'

/**
 * The p2p market's grid input from `market.grid`, built once per node: the network's fees and limits, and, when
 * the config names a grid operator, the book of its envelopes (docs/protocol.md, "Operating envelopes").
 * Undefined without a grid section (the plain market).
 *
 * @example
 * createMarketNode({ ...init, grid: marketGridOf(config, { domain, market, time }) })
 */
export function marketGridOf(
  config: LoadedConfig,
  m: { readonly domain: MarketDomain; readonly market: Hex; readonly time: MarketTime },
): MarketGrid | undefined {
  const g = config.market.grid
  if (!g) return undefined
  const grid = loadMarketGrid(g, config.market.intervalS)
  if (!grid.operator) return { clearing: grid.clearing }
  const envelopes = new EnvelopeBook(grid.clearing, {
    operator: grid.operator,
    domain: m.domain,
    market: m.market,
    time: m.time,
    leadIntervals: grid.leadIntervals,
    maxAheadIntervals: grid.maxAheadIntervals,
  })
  return { clearing: grid.clearing, envelopes }
}
