import { type LoadedConfig, parseConfig } from '../../src/config/loadConfig.js'
import { tariffSchedule } from '../../src/config/tariffSchedule.js'
import { bandPriceAt, minuteOfDay, type PriceBand, tariffAt } from '../../src/core/strategy/tariffAt.js'
import { intervalStartMs } from '../../src/core/time/interval.js'
import { MAX_ORDERS_PER_INTERVAL } from '../agent/agent.js'
import type { Price } from '../scenario/schema.js'
import type { HostInit } from './protocol.js'

/**
 * The config file a simulated household's node would have: its market (the scenario's rule, k, tariff — flat or
 * time-of-use — and the households' civil time), its meter (the household's Modbus meter simulator on `meterPort`,
 * read six times per interval), p2p on loopback, the dev chain, an HTTP port of the OS's choosing and a store in
 * `dir`. Validated by the node's own config schema.
 */
export function householdConfig(init: HostInit, meterPort: number | undefined, dir: string): LoadedConfig {
  const s = init.scenario
  const intervalS = s.intervalMinutes * 60
  const retail = nodeBands(s.tariff.retail)
  const feedIn = nodeBands(s.tariff.feedIn)
  return parseConfig(
    {
      market: {
        id: init.market,
        chainId: init.domain.chainId,
        contract: init.domain.verifyingContract,
        intervalS,
        gateClosureS: init.marketTime.gateClosureS,
        maxSkewS: init.marketTime.maxSkewS,
        rule: s.market.rule,
        k: s.market.k,
        // With bands the flat prices decide nothing (k-da and pay-as-bid clear without a tariff; the run refuses SDR
        // and MMR with time-of-use prices).
        retailPrice: typeof s.tariff.retail === 'number' ? s.tariff.retail : 0,
        feedInPrice: typeof s.tariff.feedIn === 'number' ? s.tariff.feedIn : 0,
        ...(retail || feedIn ? { timeOfUse: { ...(retail && { retail }), ...(feedIn && { feedIn }) } } : {}),
        households: init.accounts,
        maxOrdersPerInterval: MAX_ORDERS_PER_INTERVAL,
        utcOffsetHours: s.tariff.utcOffsetHours,
      },
      // Six reads per interval; the simulator's registers step at interval boundaries.
      meter: {
        port: meterPort,
        profile: init.meterProfile,
        pollS: intervalS / 6,
        timeoutMs: 5000,
        staleAfterS: intervalS,
      },
      p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], mdns: false },
      chain: { rpcUrl: init.rpcUrl, submit: 'own-sells', pollS: 2, retryS: 1 },
      http: { port: 0 },
      store: { path: 'node.sqlite' },
      log: { level: 'silent' },
    },
    dir,
  )
}

/**
 * A scenario's time-of-use price as the node config writes it: contiguous bands from 00:00 to 24:00 with the same
 * price at every minute (the scenario's first matching band wins). A gap is left as a gap: the config names it.
 */
function nodeBands(p: Price): PriceBand<number>[] | undefined {
  if (typeof p === 'number') return undefined
  const edges = [...new Set(['00:00', '24:00', ...p.flatMap((b) => [b.from, b.to])])].sort()
  const out: PriceBand<number>[] = []
  for (let i = 0; i + 1 < edges.length; i++) {
    const [from, to] = [edges[i]!, edges[i + 1]!]
    const price = bandPriceAt(p, minuteOfDay(from) * 60_000, 0)
    const last = out.at(-1)
    if (price === undefined) continue
    if (last && last.to === from && last.price === price) out[out.length - 1] = { ...last, to }
    else out.push({ from, to, price })
  }
  return out
}

/** The node's tariff for each interval of the period, in the numbers the household's agent plans with. */
export function periodTariff(config: LoadedConfig, init: HostInit): { retail: Int32Array; feedIn: Int32Array } {
  const schedule = tariffSchedule(config.market)
  const retail = new Int32Array(init.T)
  const feedIn = new Int32Array(init.T)
  for (let k = 0; k < init.T; k++) {
    const t = tariffAt(schedule, intervalStartMs(init.marketTime, init.firstInterval + k))
    retail[k] = Number(t.retailPrice)
    feedIn[k] = Number(t.feedInPrice)
  }
  return { retail, feedIn }
}
