import { type Command, InvalidArgumentError, Option } from 'commander'
import type { Hex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { type LoadedConfig, loadConfig } from '../config/loadConfig.js'
import { loadMarketGrid } from '../config/loadMarketGrid.js'
import { GridletError } from '../core/errors.js'
import { type OperatingEnvelope, signEnvelope } from '../core/market/operatingEnvelope.js'
import { intervalAt, marketTime } from '../core/time/interval.js'
import { envelopeToJson } from '../http/envelopeJson.js'
import { ENVELOPE_PATH } from '../http/postEnvelope.js'
import { loadKey } from '../keystore/keystoreFile.js'
import { marketDomainOf, marketIdOf } from '../node/startNode.js'
import { type CliIo, run, terminalIo } from './cliIo.js'
import { keystoreOption, passFileOption } from './marketContext.js'

interface PublishOptions {
  config: string
  interval?: bigint
  at?: string
  feeder: string[]
  transformer?: string
  keystore?: string
  passphraseFile?: string
  node?: string
  dryRun?: boolean
}

/** A flow limit in kW, or IMPORT:EXPORT kW, up to three decimals (whole watts). */
const KW = /^(\d{1,9}(?:\.\d{1,3})?)(?::(\d{1,9}(?:\.\d{1,3})?))?$/

const intervalArg = (v: string): bigint => {
  if (!/^\d{1,19}$/.test(v)) throw new InvalidArgumentError('must be a whole interval number')
  return BigInt(v)
}
const collect = (v: string, all: string[]) => [...all, v]

/** Registers `gridlet envelope publish`: the grid operator signs a dynamic operating envelope, a node gossips it. */
export function registerEnvelopeCommands(program: Command, io: CliIo = terminalIo): void {
  program
    .command('envelope')
    .description("the grid operator's dynamic operating envelopes (docs/grid.md)")
    .command('publish')
    .description(
      "sign an interval's feeder and transformer limits with the grid operator's key and hand them to a node",
    )
    .addOption(
      new Option('-c, --config <path>', 'node config of the market').env('GRIDLET_CONFIG').default('gridlet.yaml'),
    )
    .option('--interval <k>', 'the market interval the limits are for', intervalArg)
    .option('--at <iso>', 'the interval holding this instant (ISO 8601, e.g. 2026-12-02T17:00:00Z)')
    .option(
      '--feeder <id=kW>',
      "a feeder's limit: ID=kW (import and export) or ID=IMPORT:EXPORT; repeatable",
      collect,
      [],
    )
    .option('--transformer <kW>', "the transformer's limit: kW, or IMPORT:EXPORT")
    .addOption(keystoreOption())
    .addOption(passFileOption())
    .option('--node <url>', "the node's API (default: the config's http host and port)")
    .option('--dry-run', 'print the signed envelope as JSON; send nothing')
    .action(
      run(io, async (o: PublishOptions) => {
        const config = loadConfig(o.config)
        const envelope = envelopeOf(config, o)
        if (!o.keystore) fail('--keystore FILE (the grid operator key) is required', 'keystore')
        const key = await loadKey(o.keystore, { file: o.passphraseFile })
        const operator = config.market.grid!.operator!
        if (privateKeyToAddress(key).toLowerCase() !== operator.toLowerCase()) {
          fail(`the keystore's account ${privateKeyToAddress(key)} is not the grid operator ${operator}`, 'keystore')
        }
        const body = envelopeToJson(signEnvelope(key, marketDomainOf(config), envelope))
        if (o.dryRun) return io.out(body)
        const taken = await post(o.node ?? nodeUrl(config), body)
        io.out(
          taken.published
            ? `envelope for interval ${envelope.interval} published (digest ${taken.digest}): the node gossips it to its peers`
            : `envelope for interval ${envelope.interval} is already in force (digest ${taken.digest}); not sent again`,
        )
      }),
    )
}

/** The envelope the flags describe: unlisted feeders (and the transformer) keep the network's rating. */
function envelopeOf(config: LoadedConfig, o: PublishOptions): OperatingEnvelope {
  const g = config.market.grid
  if (!g?.operator) fail('the config names no grid operator (market.grid.operator)', 'config')
  const intervalS = config.market.intervalS
  const { levels } = loadMarketGrid(g, intervalS)
  if (o.feeder.length === 0 && o.transformer === undefined)
    fail('give --feeder ID=kW and/or --transformer kW', 'feeder')
  const rated = (wh: number) => ({ importWh: BigInt(wh), exportWh: BigInt(wh) })
  const feeders = levels.feeders.map((f) => rated(f.limitWh))
  const ids = levels.feeders.map((f) => f.id)
  const given = new Set<string>()
  for (const flag of o.feeder) {
    const eq = flag.indexOf('=')
    const id = flag.slice(0, eq)
    const i = ids.indexOf(id)
    if (eq < 0 || i < 0) fail(`--feeder ${flag}: expected ID=kW with ID one of ${ids.join(', ')}`, 'feeder')
    if (given.has(id)) fail(`--feeder ${id} is given twice`, 'feeder')
    given.add(id)
    feeders[i] = limitOf(flag.slice(eq + 1), intervalS, `--feeder ${id}`, 'feeder')
  }
  const transformer =
    o.transformer === undefined
      ? rated(levels.transformer.limitWh)
      : limitOf(o.transformer, intervalS, '--transformer', 'transformer')
  return {
    market: (config.market.id as Hex | undefined) ?? marketIdOf(config.market.name),
    interval: intervalOf(config, o),
    feederImportWh: feeders.map((f) => f.importWh),
    feederExportWh: feeders.map((f) => f.exportWh),
    transformerImportWh: [transformer.importWh],
    transformerExportWh: [transformer.exportWh],
  }
}

function intervalOf(config: LoadedConfig, o: PublishOptions): bigint {
  if ((o.interval === undefined) === (o.at === undefined))
    fail('give exactly one of --interval K and --at ISO', 'interval')
  if (o.interval !== undefined) return o.interval
  const ms = /^\d{4}-\d\d-\d\dT/.test(o.at!) ? Date.parse(o.at!) : Number.NaN
  if (!Number.isFinite(ms)) fail(`--at ${o.at}: expected an ISO 8601 instant such as 2026-12-02T17:00:00Z`, 'at')
  const time = marketTime({
    lengthS: config.market.intervalS,
    gateClosureS: config.market.gateClosureS,
    maxSkewS: config.market.maxSkewS,
  })
  return BigInt(intervalAt(time, ms))
}

/** kW (or IMPORT:EXPORT kW) as whole Wh over one interval, floored: W · intervalS / 3600. */
function limitOf(text: string, intervalS: number, what: string, field: string) {
  const m = KW.exec(text)
  if (!m) fail(`${what}=${text}: expected kW (up to 3 decimals) or IMPORT:EXPORT kW`, field)
  const wh = (kw: string) => {
    const [whole, frac = ''] = kw.split('.')
    const watts = BigInt(whole!) * 1000n + BigInt(frac.padEnd(3, '0'))
    return (watts * BigInt(intervalS)) / 3600n
  }
  return { importWh: wh(m[1]!), exportWh: wh(m[2] ?? m[1]!) }
}

/** POSTs the envelope; the node's refusal is an error with its code, field and reason. */
async function post(base: string, body: string): Promise<{ digest: string; published: boolean }> {
  let res: Response
  try {
    res = await fetch(`${base}${ENVELOPE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    })
  } catch (cause) {
    throw new GridletError(`no node answering at ${base}`, { code: 'CLI_NODE_UNREACHABLE', field: 'node', cause })
  }
  const text = await res.text()
  let answer: Record<string, unknown> = {}
  try {
    answer = JSON.parse(text) as Record<string, unknown>
  } catch {
    // not JSON (an old node, a proxy): the status and text say enough
  }
  if (res.ok) {
    // the node's answer crosses a trust boundary too (a proxy, another service on the port): checked, not cast
    if (typeof answer.digest === 'string' && typeof answer.published === 'boolean') {
      return { digest: answer.digest, published: answer.published }
    }
    throw new GridletError(`the node at ${base} gave no envelope receipt`, {
      code: 'CLI_ENVELOPE_REFUSED',
      field: 'node',
      details: `HTTP ${res.status} without { digest, published }: ${text.slice(0, 200)}`,
    })
  }
  const code = typeof answer.error === 'string' ? answer.error : `HTTP ${res.status}`
  throw new GridletError(`the node refused the envelope: ${code}${answer.message ? ` (${answer.message})` : ''}`, {
    code: 'CLI_ENVELOPE_REFUSED',
    field: typeof answer.field === 'string' ? answer.field : 'node',
    details: typeof answer.details === 'string' ? answer.details : text.slice(0, 200),
  })
}

function nodeUrl(config: LoadedConfig): string {
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`
}

function fail(message: string, field: string): never {
  throw new GridletError(message, { code: 'CLI_ENVELOPE_INPUT', field })
}
