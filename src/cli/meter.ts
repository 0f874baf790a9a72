import { type Command, InvalidArgumentError, Option } from 'commander'
import { acceleratedClock, systemClock } from '../core/time/clock.js'
import { WORD_ORDERS, type WordOrder } from '../meter/decode.js'
import {
  createLink,
  type LinkInit,
  listProfiles,
  loadProfile,
  MeterError,
  type MeterSource,
  openMeter,
  type Reading,
  type ScanOutcome,
  type SimFaults,
  scanUnits,
  startMeterSimulator,
  syntheticSource,
  type UnknownUnitBehaviour,
} from '../meter/index.js'
import { householdTrace } from '../meter/simulator/source.js'
import { loadHouseholdCsv } from '../meter/simulator/traceFile.js'

/** Modbus unit ids a device can have (0 is broadcast, 248..255 reserved); the node's config uses the same range. */
const UNIT_MIN = 1
const UNIT_MAX = 247

/** Registers `gridlet meter read | scan | sim | profiles`. */
export function registerMeterCommands(program: Command): void {
  const meter = program.command('meter').description('read, scan and simulate Modbus meters')

  linkOptions(meter.command('read'))
    .description('read one meter and print the normalised reading')
    .requiredOption('--profile <id|file>', 'built-in profile id or alias (see `gridlet meter profiles`) or a JSON file')
    .option('--unit <id>', 'Modbus unit id (default: the profile default)', int('unit', UNIT_MIN, UNIT_MAX))
    .option('--pv-unit <id>', 'also read a SunSpec PV inverter at this unit id', int('pv-unit', UNIT_MIN, UNIT_MAX))
    .addOption(
      new Option('--word-order <order>', "read every 32-bit value in this order instead of the profile's").choices(
        WORD_ORDERS,
      ),
    )
    .option('--pv-profile <id|file>', 'profile of the PV inverter (default: the meter profile, e.g. sunspec)')
    .option('--watch <ms>', 'read again every <ms> until Ctrl-C', int('watch', 100, 3_600_000))
    .option('--json', 'print JSON (one object per reading)')
    .action((opts) => guard(() => readCommand(opts)))

  linkOptions(meter.command('scan'))
    .description('find the unit ids answering on a link, and their SunSpec models')
    .option('--units <range>', 'unit ids to try, e.g. 1-10 or 1,2,200 (each silent id costs one --timeout)', '1-10')
    .option('--json', 'print JSON (the units found)')
    .action((opts) => guard(() => scanCommand(opts)))

  meter
    .command('sim')
    .description('start a simulated meter (Modbus TCP or RTU server)')
    .requiredOption('--profile <id|file>', 'profile to serve')
    .option('--host <host>', 'TCP address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0: pick a free one)', int('port', 0, 65535), 5020)
    .option('--serial <path>', 'serve Modbus RTU on this serial device or pty instead of TCP')
    .option('--baud <rate>', 'RTU baud rate', int('baud', 300, 4_000_000), 9600)
    .option('--unit <ids>', 'unit id(s) to answer for, e.g. 1 or 1,2,3 (default: the profile default)')
    .option('--trace <csv>', 'replay a household CSV (.gz ok), e.g. from sim/data, through the counters')
    .option('--household <id>', 'household id when the CSV holds several (SGSC)')
    .option('--speed <x>', 'run the clock x times faster than real time', float('speed'), 1)
    .option('--pv-peak <W>', 'synthetic PV peak power (without --trace)', float('pv-peak'), 0)
    .option('--fault <list>', 'faults: delay=<ms>,drop,disconnect,illegal,glitch=zero|jump', parseFaults)
    .addOption(
      new Option('--word-order <order>', "serve every 32-bit value in this order instead of the profile's").choices(
        WORD_ORDERS,
      ),
    )
    .addOption(
      new Option('--unknown-units <how>', 'answer for other unit ids: nothing, gateway exception 0x0B, or disconnect')
        .choices(['silent', 'gateway', 'disconnect'])
        .default('silent'),
    )
    .action((opts) => guard(() => simCommand(opts)))

  meter
    .command('profiles')
    .description('list the built-in meter profiles')
    .action(() =>
      guard(async () => {
        for (const p of listProfiles()) {
          const profile = loadProfile(p.file)
          console.log(`${p.id.padEnd(22)} ${profile.vendor} ${profile.model}`)
          if (p.aliases.length > 0) console.log(`${''.padEnd(22)} aliases: ${p.aliases.join(', ')}`)
        }
      }),
    )
}

interface LinkOpts {
  host?: string
  port: number
  serial?: string
  baud: number
  parity: 'none' | 'even' | 'odd'
  stopBits: 1 | 2
  timeout: number
}

function linkOptions(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'Modbus TCP host (meter or TCP->RTU gateway)')
    .option('--port <port>', 'Modbus TCP port', int('port', 1, 65535), 502)
    .option('--serial <path>', 'serial device for Modbus RTU, e.g. /dev/ttyUSB0')
    .option('--baud <rate>', 'RTU baud rate', int('baud', 300, 4_000_000), 9600)
    .addOption(new Option('--parity <parity>', 'RTU parity').choices(['none', 'even', 'odd']).default('none'))
    .option('--stop-bits <n>', 'RTU stop bits', int('stop-bits', 1, 2), 1)
    .option('--timeout <ms>', 'per-request timeout', int('timeout', 10, 60_000), 1000)
}

function linkInit(opts: LinkOpts): LinkInit {
  if (!opts.host === !opts.serial) {
    throw new MeterError('give exactly one of --host (Modbus TCP) or --serial (Modbus RTU)', {
      code: 'INVALID_ARGUMENT',
      field: opts.host ? 'serial' : 'host',
    })
  }
  return opts.host
    ? { transport: 'tcp', host: opts.host, port: opts.port, timeoutMs: opts.timeout }
    : {
        transport: 'rtu',
        path: opts.serial!,
        baudRate: opts.baud,
        parity: opts.parity,
        stopBits: opts.stopBits,
        timeoutMs: opts.timeout,
      }
}

async function readCommand(
  opts: LinkOpts & {
    profile: string
    unit?: number
    pvUnit?: number
    pvProfile?: string
    wordOrder?: WordOrder
    watch?: number
    json?: boolean
  },
): Promise<void> {
  const profile = loadProfile(opts.profile)
  const link = createLink(linkInit(opts))
  const meter = openMeter(link, {
    profile,
    unitId: opts.unit,
    wordOrder: opts.wordOrder,
    pv: opts.pvUnit === undefined ? undefined : { unitId: opts.pvUnit, profile: opts.pvProfile },
  })
  const print = (r: Reading) => console.log(opts.json ? JSON.stringify(r) : formatReading(r))
  try {
    if (!opts.watch) return print(await meter.read())
    const stop = new AbortController()
    process.once('SIGINT', () => stop.abort())
    while (!stop.signal.aborted) {
      await meter.read({ signal: stop.signal }).then(print, (err: MeterError) => {
        if (err.code !== 'ABORTED') printError(err)
      })
      await new Promise((r) => setTimeout(r, opts.watch))
    }
  } finally {
    await link.close()
  }
}

/** A reading as aligned "name value unit" lines. */
export function formatReading(r: Reading): string {
  const lines: [string, string][] = [
    ['time', new Date(r.timestampMs).toISOString()],
    ['active power', `${r.activePowerW.toFixed(1)} W (${r.activePowerW >= 0 ? 'import' : 'export'})`],
    ['import energy', `${r.importEnergyWh} Wh`],
    ['export energy', `${r.exportEnergyWh} Wh`],
  ]
  if (r.frequencyHz !== undefined) lines.push(['frequency', `${r.frequencyHz.toFixed(2)} Hz`])
  for (const [name, p] of Object.entries(r.phases ?? {})) {
    const parts = [
      p.powerW !== undefined && `${p.powerW.toFixed(1)} W`,
      p.voltageV !== undefined && `${p.voltageV.toFixed(1)} V`,
      p.currentA !== undefined && `${p.currentA.toFixed(2)} A`,
    ].filter(Boolean)
    lines.push([`phase ${name.toUpperCase()}`, parts.join('  ')])
  }
  if (r.pvPowerW !== undefined) lines.push(['PV power', `${r.pvPowerW.toFixed(1)} W`])
  if (r.pvEnergyWh !== undefined) lines.push(['PV energy', `${r.pvEnergyWh} Wh`])
  if (r.unavailable.length > 0) lines.push(['not available', r.unavailable.join(', ')])
  return lines.map(([k, v]) => `${k.padEnd(14)} ${v}`).join('\n')
}

async function scanCommand(opts: LinkOpts & { units: string; json?: boolean }): Promise<void> {
  const units = parseUnits(opts.units)
  const link = createLink({ ...linkInit(opts), unitSwitchDelayMs: 0 })
  let outcomes: ScanOutcome[]
  try {
    outcomes = await scanUnits(link, units, { onUnit: (o) => opts.json || printOutcome(o) })
  } finally {
    await link.close()
  }
  const found = outcomes.filter((o) => o.status === 'found').map(({ status: _, ...unit }) => unit)
  if (opts.json) console.log(JSON.stringify(found))
  const errors = outcomes.filter((o) => o.status === 'error')
  for (const e of errors) console.error(`unit ${e.unitId}: error ${e.code}: ${e.message} (not counted as an answer)`)
  if (found.length > 0) return
  const silent = outcomes.filter((o) => o.status === 'silent').length
  const gateway = outcomes.filter((o) => o.status === 'gateway').length
  console.error(
    `no unit answered among ${opts.units} (${silent} silent, ${gateway} gateway "no device", ${errors.length} errors)`,
  )
  console.error('  check the wiring, the baud rate and parity (RTU), or host and port (TCP); widen --units')
  process.exitCode = 1
}

function printOutcome(o: ScanOutcome): void {
  if (o.status !== 'found') return
  const what = o.sunspec
    ? `SunSpec at ${o.sunspec.base}, models ${o.sunspec.models.join(', ')}`
    : `answers (input registers 0..1 ${o.inputRegisters ? 'readable' : `give exception ${o.exceptionCode}`}; no SunSpec)`
  console.log(`unit ${String(o.unitId).padStart(3)}: ${what}`)
}

async function simCommand(opts: {
  profile: string
  host: string
  port: number
  serial?: string
  baud: number
  unit?: string
  trace?: string
  household?: string
  speed: number
  pvPeak: number
  fault?: Partial<SimFaults>
  wordOrder?: WordOrder
  unknownUnits: UnknownUnitBehaviour
}): Promise<void> {
  const profile = loadProfile(opts.profile)
  let source: MeterSource
  if (!(opts.speed > 0)) throw new MeterError('--speed must be > 0', { code: 'INVALID_ARGUMENT', field: 'speed' })
  let clock = opts.speed === 1 ? systemClock() : acceleratedClock({ startMs: Date.now(), speed: opts.speed })
  if (opts.trace) {
    const series = loadHouseholdCsv(opts.trace, { household: opts.household })
    // Replay from the first interval of the data: the clock starts there.
    clock = acceleratedClock({ startMs: series.startMs, speed: opts.speed })
    source = householdTrace({ ...series, pvWh: series.pvWh })
    console.log(
      `trace: ${series.consumptionWh.length} half-hours from ${new Date(series.startMs).toISOString()}` +
        ` (${series.filledGaps} missing filled with 0 Wh, ${series.duplicates} duplicates dropped)`,
    )
  } else source = syntheticSource({ startMs: clock.now(), pvPeakW: opts.pvPeak })
  const units = opts.unit ? parseUnits(opts.unit).map((unitId) => ({ unitId })) : undefined
  const sim = await startMeterSimulator({
    profile,
    transport: opts.serial ? 'rtu' : 'tcp',
    host: opts.host,
    port: opts.port,
    path: opts.serial,
    baudRate: opts.baud,
    units,
    source,
    clock,
    faults: opts.fault,
    wordOrder: opts.wordOrder,
    unknownUnits: opts.unknownUnits,
  })
  const where = opts.serial ? `RTU on ${opts.serial}` : `tcp://${opts.host}:${sim.port}`
  const target = opts.serial ? `--serial <the other end of ${opts.serial}>` : `--host ${opts.host} --port ${sim.port}`
  console.log(`meter simulator: ${profile.id}, unit ${sim.unitIds.join(',')}, ${where}. Ctrl-C stops it.`)
  console.log(`try: gridlet meter read --profile ${profile.id} ${target} --unit ${sim.unitIds[0]}`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await sim.close()
}

function parseFaults(list: string): Partial<SimFaults> {
  const faults: Partial<SimFaults> = {}
  for (const item of list.split(',').filter(Boolean)) {
    const [name, value] = item.split('=')
    if (name === 'delay' && Number(value) >= 0) faults.delayMs = Number(value)
    else if (name === 'drop') faults.dropReplies = true
    else if (name === 'disconnect') faults.disconnect = true
    else if (name === 'illegal') faults.illegalAddress = true
    else if (name === 'glitch' && (value === 'zero' || value === 'jump')) faults.glitch = value
    else
      throw new InvalidArgumentError(
        `unknown fault "${item}" (delay=<ms>, drop, disconnect, illegal, glitch=zero|jump)`,
      )
  }
  return faults
}

function parseUnits(spec: string): number[] {
  const ids = new Set<number>()
  for (const part of spec.split(',')) {
    const [a, b = a] = part.split('-').map(Number)
    if (!Number.isInteger(a) || !Number.isInteger(b) || a! < UNIT_MIN || b! > UNIT_MAX || a! > b!) {
      throw new MeterError(`bad unit id list "${spec}"`, {
        code: 'INVALID_ARGUMENT',
        field: 'units',
        details: `unit ids ${UNIT_MIN}..${UNIT_MAX}, e.g. 1-10 or 1,2,200`,
      })
    }
    for (let id = a!; id <= b!; id++) ids.add(id)
  }
  return [...ids]
}

function int(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`--${name} must be an integer in ${min}..${max}`)
    return n
  }
}

function float(name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--${name} must be a number >= 0`)
    return n
  }
}

/** Runs a command; a typed error becomes one clear line on stderr and exit code 1, never a stack trace. */
async function guard(action: () => Promise<void>): Promise<void> {
  try {
    await action()
  } catch (err) {
    if (!(err instanceof MeterError)) throw err
    printError(err)
    process.exitCode = 1
  }
}

/** A typed error as one line with its code, then the field, details and what to try. */
function printError(err: MeterError): void {
  console.error(`error ${err.code}: ${err.shortMessage}`)
  if (err.field) console.error(`  field: ${err.field}`)
  if (err.details) console.error(`  ${err.details}`)
  if (err.hint) console.error(`  try: ${err.hint}`)
  if (err.code === 'ILLEGAL_ADDRESS')
    console.error('  does the profile match the device? `gridlet meter scan` lists what answers')
}
