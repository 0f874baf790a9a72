import { GridletError } from '../../src/core/errors.js'
import type { Community } from '../households/assemble.js'
import type { MarketOutcome } from '../outcome.js'
import type { RunOptions } from '../run.js'
import type { Scenario } from '../scenario/schema.js'

export async function runNetwork(_s: Scenario, _c: Community, _opts: RunOptions): Promise<MarketOutcome> {
  throw new GridletError('network mode is not available yet', { code: 'SIM_NETWORK_UNAVAILABLE' })
}
