import type { DevChain } from '../../src/chain/devChain.js'
import type { MarketTime } from '../../src/core/time/interval.js'

/**
 * The `market:` section of a node config for a dev chain's market, as the tests and benchmarks that start real nodes
 * write it. `households: false` leaves the list out, so the nodes follow the contract's registry instead.
 */
export function devMarketSection(dev: DevChain, time: MarketTime, opts: { households?: boolean } = {}) {
  return {
    id: dev.market,
    chainId: dev.chainId,
    contract: dev.settlement,
    intervalS: time.lengthS,
    gateClosureS: time.gateClosureS,
    maxSkewS: time.maxSkewS,
    ...(opts.households === false ? {} : { households: dev.households.map((h) => h.address) }),
  }
}
