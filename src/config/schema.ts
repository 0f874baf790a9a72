import { z } from 'zod'
import { MODEL_NAMES } from '../core/forecast/types.js'
import { DEFAULT_MAX_PRICE } from '../core/order/verifyOrder.js'
import { STRATEGY_NAMES } from '../core/strategy/createStrategy.js'
import { minuteOfDay } from '../core/strategy/tariffAt.js'
import { gridSchema } from './gridSchema.js'
import { mqttSchema } from './mqttSchema.js'

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `expected 0x followed by ${bytes * 2} hex digits`)

/**
 * Prices in token units per kWh are integers; YAML numbers are accepted only when they are exact (no floats, no
 * overflow), and every price must be a possible limit price (below 2^96, the on-chain trade price being a uint96).
 */
const price = z
  .union([
    z.string().regex(/^\d+$/, 'expected a whole number'),
    z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 53 - 1),
  ])
  .transform((v) => BigInt(v))
  .refine((v) => v <= DEFAULT_MAX_PRICE, `expected at most ${DEFAULT_MAX_PRICE} (2^96 - 1)`)

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/

/**
 * Time-of-use bands of one price in the households' civil day (market.utcOffsetHours): contiguous, in order, from
 * 00:00 to 24:00, so every instant has exactly one price.
 */
const bands = z
  .array(
    z
      .object({
        from: z.string().regex(HHMM, 'expected HH:MM'),
        to: z.string().regex(new RegExp(`${HHMM.source}|^24:00$`), 'expected HH:MM or 24:00'),
        price,
      })
      .strict(),
  )
  .min(1)
  .max(96)
  .superRefine((bs, ctx) => {
    let at = '00:00'
    bs.forEach((b, i) => {
      if (b.from !== at) {
        ctx.addIssue({ code: 'custom', path: [i, 'from'], message: `expected ${at}: bands run in order without gaps` })
      } else if (minuteOfDay(b.to) <= minuteOfDay(b.from)) {
        ctx.addIssue({ code: 'custom', path: [i, 'to'], message: `expected a time after ${b.from}` })
      }
      at = b.to
    })
    if (at !== '24:00') {
      ctx.addIssue({ code: 'custom', path: [bs.length - 1, 'to'], message: 'the last band must end at 24:00' })
    }
  })

const market = z
  .object({
    /** Human name of the market; the on-chain market id is keccak256 of it. */
    name: z.string().min(1).max(64).default('gridlet-local'),
    /** The bytes32 market id, when it is not keccak256(name) (e.g. copied from a deployment). */
    id: hex(32).optional(),
    /** Chain id of the settlement chain (EIP-712 domain). */
    chainId: z.number().int().positive().default(31337),
    /** Address of the settlement contract (EIP-712 verifyingContract). */
    contract: hex(20).default('0x0000000000000000000000000000000000000000'),
    /** Interval length in seconds; divides a day. */
    intervalS: z.number().int().min(60).max(3600).default(900),
    /** Gate closure: seconds before an interval's start when its order book closes. */
    gateClosureS: z.number().int().min(0).default(60),
    /** Tolerated clock skew between peers, seconds. */
    maxSkewS: z.number().int().min(0).default(5),
    /** Clearing rule all nodes of the market use. */
    rule: z.enum(['k-da', 'pay-as-bid', 'sdr', 'mmr']).default('k-da'),
    /** k of the k-double auction as num/den in [0, 1] (price = lo + k (hi - lo)); every node must use the same. */
    k: z
      .object({ num: z.number().int().min(0), den: z.number().int().positive() })
      .strict()
      .refine((k) => k.num <= k.den, { message: 'k must be at most 1 (num <= den)' })
      .default({ num: 1, den: 2 }),
    /** Offset of the households' civil time from UTC, hours: the forecasters' weekday/weekend and time of day. */
    utcOffsetHours: z.number().min(-12).max(14).default(0),
    /**
     * Orders (nonces) a household may place per interval; peers drop higher nonces, so every node of a market must
     * use the same value. The forecast-aware strategy bids a curve of up to 13 orders.
     */
    maxOrdersPerInterval: z.number().int().min(1).max(64).default(16),
    /** Utility retail price, token units per kWh (what a buyer pays without the market). */
    retailPrice: price.default(300_000n),
    /** Utility feed-in tariff, token units per kWh (what a seller gets without the market). */
    feedInPrice: price.default(80_000n),
    /**
     * A time-of-use tariff: bands that replace `retailPrice` and/or `feedInPrice` for the node's decisions (its
     * strategy and the default price bounds follow the interval's price). SDR and MMR clear with the flat prices, so
     * they take no time-of-use tariff.
     */
    timeOfUse: z.object({ retail: bands.optional(), feedIn: bands.optional() }).strict().optional(),
    /**
     * Accounts of the registered households: the base of the result quorum and who may trade. Empty: read the
     * registered accounts from the settlement contract at start.
     */
    households: z.array(hex(20)).default([]),
    /**
     * The escrow token's display unit (from the market file, `gridlet init --market`): the dashboard shows money
     * in it. Absent: amounts are shown in the token's smallest units.
     */
    token: z
      .object({ symbol: z.string().min(1).max(32), decimals: z.number().int().min(0).max(36) })
      .strict()
      .optional(),
    /**
     * The distribution network as the clearing sees it: network fees by level, feeder and transformer limits and
     * the grid operator's envelopes (docs/grid.md). Absent: the plain market.
     */
    grid: gridSchema.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.timeOfUse && (m.rule === 'sdr' || m.rule === 'mmr')) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeOfUse'],
        message: `${m.rule} clears with the flat retailPrice and feedInPrice: use k-da or pay-as-bid with a time-of-use tariff`,
      })
    }
    if (m.grid && m.rule !== 'k-da' && m.rule !== 'pay-as-bid') {
      ctx.addIssue({
        code: 'custom',
        path: ['grid'],
        message: `the grid-aware clearing needs k-da or pay-as-bid, not ${m.rule}`,
      })
    }
  })

const meter = z
  .object({
    /** `modbus-tcp`: a real meter or the simulator over TCP; `modbus-rtu`: serial line; `simulated`: built-in. */
    kind: z.enum(['modbus-tcp', 'modbus-rtu', 'simulated']).default('modbus-tcp'),
    /** Meter profile name from `meters/` (register map). */
    profile: z.string().min(1).default('sdm630'),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(502),
    /** Serial device for `modbus-rtu`. */
    device: z.string().default('/dev/ttyUSB0'),
    /** RTU line settings: baud rate, parity and stop bits (8 data bits). Eastron's default is 9600 8N1. */
    baudRate: z.number().int().min(300).max(4_000_000).default(9600),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    /** Modbus unit id of the meter, 1..247 as for `gridlet meter read --unit` (0 is broadcast, 248..255 reserved). */
    unitId: z.number().int().min(1).max(247).default(1),
    /** Seconds between two meter polls. */
    pollS: z.number().positive().max(3600).default(10),
    /** Per-request timeout, milliseconds. */
    timeoutMs: z.number().int().positive().max(60_000).default(2000),
    /** A reading older than this is stale: the node then stops offering energy. */
    staleAfterS: z.number().positive().default(60),
  })
  .strict()

const p2p = z
  .object({
    /** libp2p listen multiaddrs. */
    listen: z.array(z.string().min(1)).default(['/ip4/0.0.0.0/tcp/4101']),
    /** Multiaddrs (with /p2p/<peer id>) of peers to dial at start. */
    bootstrap: z.array(z.string().min(1)).default([]),
    /** Discover peers on the local network by mDNS. */
    mdns: z.boolean().default(true),
  })
  .strict()

const chain = z
  .object({
    /** JSON-RPC endpoint of the settlement chain. */
    rpcUrl: z.string().url().default('http://127.0.0.1:8545'),
    /**
     * What this node submits: `all` trades of each agreed interval (default: the contract settles an interval once,
     * first submission wins, later ones are no-ops), `own-sells` (only intervals where it sells), or `none`.
     */
    submit: z.enum(['own-sells', 'all', 'none']).default('all'),
    /** Seconds before the first settlement retry after a failure (the batcher doubles it per attempt). */
    retryS: z.number().positive().default(15),
    /** Real seconds between two passes over the settlement queue (and between two reads of the registry). */
    pollS: z.number().positive().max(600).default(5),
    /**
     * Blocks a registry event (register, remove, rotateKey) must lie under before the node applies it, so a reorg
     * cannot drop a change the node already cleared with. Absent: 0 on a dev chain (chain id 31337), 2 elsewhere
     * (`registryConfirmationsOf`). registryConfirmations × block time + pollS must stay below market.intervalS:
     * checked at start against the chain's block time.
     */
    registryConfirmations: z.number().int().min(0).max(64).optional(),
  })
  .strict()

const strategy = z
  .object({
    /** Bidding strategy: forecast-aware (default), truthful (bid the median forecast), spread (simple fallback). */
    name: z.enum([...STRATEGY_NAMES, 'spread']).default('forecast-aware'),
    /** Forecasting model for the household's imports and exports per interval. */
    model: z.enum(MODEL_NAMES).default('empirical-profile'),
    /** Never sell below this price, token units per kWh (defaults to the feed-in price). */
    minSellPrice: price.optional(),
    /** Never buy above this price, token units per kWh (defaults to the retail price). */
    maxBuyPrice: price.optional(),
    /** Do not trade positions smaller than this, Wh. */
    minQuantityWh: z.number().int().positive().default(10),
    /** Largest order, Wh (the meter's fuse limit over one interval is a sensible bound). */
    maxQuantityWh: z.number().int().positive().default(20_000),
  })
  .strict()

const http = z
  .object({
    /** Address of the health, metrics and dashboard server. Keep it on localhost unless behind a proxy. */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
  })
  .strict()

const store = z
  .object({
    /** SQLite database file; relative paths are resolved against the config file's directory. */
    path: z.string().min(1).default('gridlet.sqlite'),
    /** Raw meter readings older than this many days are pruned (interval summaries are kept). */
    retainDays: z.number().int().positive().default(90),
  })
  .strict()

/** The node's configuration file, validated. Every field has a documented default (see docs/operator.md). */
export const configSchema = z
  .object({
    /** Encrypted V3 keystore file holding the household's key. Relative to the config file. */
    keystore: z.string().min(1).default('keystore.json'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
    market: market.prefault({}),
    meter: meter.prefault({}),
    p2p: p2p.prefault({}),
    chain: chain.prefault({}),
    strategy: strategy.prefault({}),
    http: http.prefault({}),
    store: store.prefault({}),
    /** Optional: publish to an MQTT broker with Home Assistant discovery (docs/mqtt.md). Absent: off. */
    mqtt: mqttSchema.optional(),
  })
  .strict()

export type NodeConfig = z.output<typeof configSchema>

/** The chain id of a dev chain (anvil's default): blocks there are final when mined. */
export const DEV_CHAIN_ID = 31337

/**
 * The registry confirmation depth of a node: `chain.registryConfirmations` if set, else 0 on a dev chain and 2
 * elsewhere.
 *
 * @example
 * registryConfirmationsOf({ chainId: 100 }, {}) // 2
 */
export function registryConfirmationsOf(
  market: { readonly chainId: number },
  chain: { readonly registryConfirmations?: number | undefined },
): number {
  return chain.registryConfirmations ?? (market.chainId === DEV_CHAIN_ID ? 0 : 2)
}
export type NodeConfigInput = z.input<typeof configSchema>
