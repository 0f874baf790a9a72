import pino, { type Logger } from 'pino'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { type Hex, keccak256, stringToHex } from 'viem'
import type { LoadedConfig } from '../config/loadConfig.js'
import { tariffSchedule } from '../config/tariffSchedule.js'
import { GridletError } from '../core/errors.js'
import { accountOf, signOrder } from '../core/order/signOrder.js'
import type { MarketDomain } from '../core/order/types.js'
import { type Clock, systemClock } from '../core/time/clock.js'
import { type MarketTime, marketTime } from '../core/time/interval.js'
import { type HttpServer, startHttpServer } from '../http/startHttpServer.js'
import { statusView } from '../http/statusView.js'
import { type MqttPublisher, mqttInitOf, mqttPublisher } from '../mqtt/index.js'
import { openStore, transaction } from '../store/index.js'
import type { NodeStore } from '../store/nodeStore.js'
import { batcherSettlement } from './adapters/batcherSettlement.js'
import { type ChainView, chainView } from './adapters/chainView.js'
import { nodeDecider } from './adapters/decider.js'
import { gatewayState } from './adapters/gatewayState.js'
import { modbusMeter } from './adapters/modbusMeter.js'
import { p2pNetwork } from './adapters/p2pNetwork.js'
import { simulatedMeter } from './defaults.js'
import { GridletNode } from './gridletNode.js'
import { createNodeMetrics } from './metrics.js'
import type { Decider, MarketNetwork, MeterSource, Settlement } from './ports.js'
import { noSettlement } from './soloAdapters.js'

/** Adapters built from the config; each can be replaced (tests, the simulator, the benchmark). */
export interface NodeAdapters {
  meter: MeterSource
  network: MarketNetwork
  settlement: Settlement
  decider: Decider
}

/** What an adapter factory gets to build its adapter. */
export interface AdapterContext {
  readonly config: LoadedConfig
  readonly privateKey: Hex
  readonly account: Hex
  readonly domain: MarketDomain
  readonly market: Hex
  readonly clock: Clock
  readonly logger: Logger
  readonly registry: Registry
  readonly store: NodeStore
  readonly time: MarketTime
  /** The settlement contract's registry and escrow, when the config names a contract. */
  readonly chain: ChainView | undefined
}

export interface StartNodeOptions {
  config: LoadedConfig
  privateKey: Hex
  clock?: Clock
  logger?: Logger
  /** Adapter factories replacing the ones the config selects. Called after the store is open. */
  adapters?: Partial<{ [K in keyof NodeAdapters]: (ctx: AdapterContext) => NodeAdapters[K] | Promise<NodeAdapters[K]> }>
}

export interface RunningNode {
  readonly node: GridletNode
  readonly store: NodeStore
  readonly http: HttpServer
  readonly registry: Registry
  /** The MQTT publisher, when the config has an `mqtt` section. */
  readonly mqtt: MqttPublisher | undefined
  /** Resolves when the loop has ended (after `stop` or a fatal error). */
  readonly done: Promise<void>
  /** Graceful stop: finishes the current step, stops network and settlement, closes HTTP and the store. */
  stop(): Promise<void>
}

/** Market id on chain and in every order: keccak256 of the market's name. */
export const marketIdOf = (name: string): Hex => keccak256(stringToHex(name))

/** The EIP-712 domain of a node's market (orders, results and envelopes are signed in it). */
export const marketDomainOf = (config: Pick<LoadedConfig, 'market'>): MarketDomain => ({
  name: 'gridlet',
  version: '1',
  chainId: config.market.chainId,
  verifyingContract: config.market.contract as Hex,
})

/**
 * Builds and starts a node from its config: store (with migrations), adapters, HTTP API, loop.
 *
 * @example
 * const running = await startNode({ config: loadConfig('gridlet.yaml'), privateKey })
 * process.once('SIGTERM', () => running.stop())
 */
export async function startNode(opts: StartNodeOptions): Promise<RunningNode> {
  const { config } = opts
  const clock = opts.clock ?? systemClock()
  const logger = opts.logger ?? pino({ level: config.log.level })
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'gridlet_' })
  const metrics = createNodeMetrics(registry)
  const account = accountOf(opts.privateKey)
  const domain = marketDomainOf(config)
  const market = (config.market.id as Hex | undefined) ?? marketIdOf(config.market.name)
  const time = marketTime({
    lengthS: config.market.intervalS,
    gateClosureS: config.market.gateClosureS,
    maxSkewS: config.market.maxSkewS,
  })

  // Read before anything starts: a missing MQTT password file stops the node here, not halfway up.
  const mqttInit = config.mqtt && mqttInitOf(config.mqtt, { account, baseDir: config.baseDir, env: process.env })
  const store = openStore(config.store.path)
  const chain = await startChainView(config, { clock, time, store, logger, registry }).catch((err) => {
    store.db.close()
    throw err
  })
  const ctx: AdapterContext = {
    config,
    privateKey: opts.privateKey,
    account,
    domain,
    market,
    clock,
    logger,
    registry,
    store,
    time,
    chain,
  }
  const a = opts.adapters ?? {}
  const adapters: NodeAdapters = {
    meter: await (a.meter ?? defaultMeter)(ctx),
    network: await (a.network ?? defaultNetwork)(ctx),
    settlement: await (a.settlement ?? defaultSettlement)(ctx),
    decider: await (a.decider ?? defaultDecider)(ctx),
  }
  // The settlement outbox lives in our database, so a result and its hand-off commit together.
  transaction(store.db, () => adapters.settlement.migrate(store.db))
  const node = new GridletNode(
    {
      clock,
      store,
      ...adapters,
      sign: (order) => signOrder(opts.privateKey, domain, order),
      logger,
      metrics,
    },
    {
      account,
      domain,
      market,
      time,
      ...tariffSchedule(config.market),
      pollMs: Math.round(config.meter.pollS * 1000),
      meterTimeoutMs: config.meter.timeoutMs,
      staleAfterMs: Math.round(config.meter.staleAfterS * 1000),
      submit: config.chain.submit,
      bounds: {
        minQuantityWh: BigInt(config.strategy.minQuantityWh),
        maxQuantityWh: BigInt(config.strategy.maxQuantityWh),
        maxOrders: config.market.maxOrdersPerInterval,
        minSellPrice: config.strategy.minSellPrice,
        maxBuyPrice: config.strategy.maxBuyPrice,
      },
      retainMs: config.store.retainDays * 86_400_000,
    },
  )
  await node.start()
  const { network } = adapters
  let http: HttpServer
  try {
    http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      health: () => {
        const s = node.snapshot()
        return { status: s.status, checks: s.checks }
      },
      status: () => statusView(node, store, { token: config.market.token }),
      registry,
      logger,
      ...(network.publishEnvelope ? { envelope: (signed) => network.publishEnvelope!(signed) } : {}),
    })
  } catch (cause) {
    await node.stop()
    store.db.close()
    throw new GridletError(`cannot listen on ${config.http.host}:${config.http.port}`, {
      code: 'HTTP_LISTEN',
      field: 'http.port',
      cause,
    })
  }
  logger.info({ url: http.url, account, market }, 'dashboard and API listening')
  const mqtt =
    mqttInit &&
    mqttPublisher(
      { clock, source: gatewayState(node, store), registry, logger: logger.child({ component: 'mqtt' }) },
      mqttInit,
    )
  mqtt?.start() // connects in the background: a broker outage never delays or stops the node

  const controller = new AbortController()
  const done = node.run(controller.signal).catch((err) => {
    logger.fatal({ err }, 'node loop failed')
    throw err
  })
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      controller.abort(new GridletError('the node is stopping', { code: 'NODE_STOPPING' }))
      await done.catch(() => {})
      await mqtt?.stop()
      await http.close()
      chain?.stop()
      store.db.close()
      logger.info('shutdown complete')
    })()
    return stopping
  }
  return { node, store, http, registry, mqtt, done, stop }
}

function defaultDecider({ config, time }: AdapterContext): Decider {
  return nodeDecider({
    intervalS: time.lengthS,
    model: config.strategy.model,
    strategy: config.strategy.name,
    utcOffsetMs: config.market.utcOffsetHours * 3_600_000,
    bounds: config.strategy,
  })
}

function defaultMeter(ctx: AdapterContext): MeterSource {
  const { config, clock, account, store } = ctx
  if (config.meter.kind === 'simulated') {
    ctx.logger.warn('meter.kind is simulated: readings are synthetic (demo only)')
    const last = store.latestReading()
    return simulatedMeter(clock, { seed: account, ...(last ? { start: last } : {}) })
  }
  return modbusMeter(config.meter, { clock, registry: ctx.registry, logger: ctx.logger.child({ component: 'meter' }) })
}

async function defaultNetwork(ctx: AdapterContext): Promise<MarketNetwork> {
  const { config, chain } = ctx
  const households = config.market.households.length
    ? (config.market.households as Hex[])
    : chain
      ? chain.registry
      : missingHouseholds()
  return p2pNetwork({
    privateKey: ctx.privateKey,
    domain: ctx.domain,
    market: ctx.market,
    time: ctx.time,
    clock: ctx.clock,
    config,
    households,
    ...(chain ? { escrow: (k: bigint) => chain.escrow(k) } : {}),
    registry: ctx.registry,
    logger: ctx.logger.child({ component: 'p2p' }),
  })
}

function missingHouseholds(): never {
  throw new GridletError('market.households is empty and no settlement contract is set', {
    code: 'CONFIG_HOUSEHOLDS',
    field: 'market.households',
    details: 'list the registered accounts in the config, or set market.contract to follow its registry',
  })
}

/**
 * The chain view every node clears with when the config names a contract: the contract's timing is checked
 * (a mismatch stops the start with `CHAIN_TIMING_MISMATCH`), so are its fees against `market.grid`
 * (`CHAIN_FEE_MISMATCH` naming `market.grid.feeRecipient` or `market.grid.fees[i]`), its registry followed `chain.registryConfirmations`
 * blocks deep unless the config lists the households (a depth too slow for the interval stops the start with
 * `CHAIN_INVALID` naming the field), and its escrow read per interval.
 */
async function startChainView(
  config: LoadedConfig,
  d: { clock: Clock; time: MarketTime; store: NodeStore; logger: Logger; registry: Registry },
): Promise<ChainView | undefined> {
  if (/^0x0{40}$/.test(config.market.contract)) return undefined
  const view = chainView({
    rpcUrl: config.chain.rpcUrl,
    chainId: config.market.chainId,
    settlement: config.market.contract as Hex,
    clock: d.clock,
    time: d.time,
    store: d.store,
    pollMs: config.chain.pollS * 1000,
    ...(config.market.households.length ? { households: config.market.households as Hex[] } : {}),
    ...(config.market.grid && {
      fees: { feeRecipient: config.market.grid.feeRecipient as Hex, feePerWh: config.market.grid.fees },
    }),
    confirmations: config.chain.registryConfirmations,
    logger: d.logger.child({ component: 'chain' }),
    metrics: d.registry,
  })
  await view.start().catch((cause) => {
    // A config the chain contradicts (timing, confirmation depth) stops the start with its own error and field.
    const c = cause as { code?: string; field?: string }
    if (c.code === 'CHAIN_TIMING_MISMATCH' || c.code === 'CHAIN_FEE_MISMATCH' || c.field?.startsWith('chain.')) {
      throw cause
    }
    throw new GridletError('the settlement contract registry could not be read', {
      code: 'CONFIG_HOUSEHOLDS',
      field: 'market.households',
      details: 'list the registered accounts in the config to start without the chain',
      cause,
    })
  })
  return view
}

function defaultSettlement(ctx: AdapterContext): Settlement {
  const { config } = ctx
  if (config.chain.submit === 'none') return noSettlement()
  if (/^0x0{40}$/.test(config.market.contract)) {
    ctx.logger.warn('market.contract is not set: trades are not settled')
    return noSettlement()
  }
  return batcherSettlement({
    db: ctx.store.db,
    rpcUrl: config.chain.rpcUrl,
    chainId: config.market.chainId,
    settlement: config.market.contract as Hex,
    privateKey: ctx.privateKey,
    clock: ctx.clock,
    tickMs: config.chain.pollS * 1000,
    retryBaseMs: config.chain.retryS * 1000,
    registry: ctx.registry,
    logger: ctx.logger.child({ component: 'settlement' }),
  })
}
