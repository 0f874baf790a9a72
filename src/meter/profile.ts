import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { VALUE_TYPES, WORD_ORDERS } from './decode.js'
import { MeterError } from './errors.js'
import { QUANTITIES } from './types.js'

/**
 * Meter profiles are data (`meters/*.json`), validated here. Two kinds:
 * - `registers`: a fixed register map (Eastron, Carlo Gavazzi, a user's `custom` meter);
 * - `sunspec`: the device is discovered (SunS marker, model chain) and read through SunSpec model layouts.
 */

const functionCode = z.union([z.literal(3), z.literal(4)])
const quantity = z.enum(QUANTITIES)

const valueSpec = z.strictObject({
  /** Overrides the profile's function code for this value. */
  functionCode: functionCode.optional(),
  /** 0-based PDU address (vendor docs printing 30001.. mean address + 30001). */
  address: z.int().min(0).max(65534),
  type: z.enum(VALUE_TYPES).exclude(['sunssf']),
  wordOrder: z.enum(WORD_ORDERS).optional(),
  /** value = raw x scale (e.g. kWh float x 1000 = Wh). Default 1. */
  scale: z
    .number()
    .refine((v) => v !== 0 && Number.isFinite(v), 'scale must be a finite non-zero number')
    .optional(),
  /** Address of an int16 power-of-ten exponent register (SunSpec-style): value = raw x scale x 10^SF. */
  scaleFactorAddress: z.int().min(0).max(65535).optional(),
  /** Raw values that mean "not available" on this device (e.g. 0xFFFFFFFF). NaN floats always do. */
  notAvailable: z.array(z.number()).optional(),
  description: z.string().optional(),
})

const transportDefaults = z.strictObject({
  unitId: z.int().min(0).max(255),
  tcpPort: z.int().min(1).max(65535).optional(),
  baudRate: z.int().positive().optional(),
  parity: z.enum(['none', 'even', 'odd']).optional(),
  dataBits: z.union([z.literal(7), z.literal(8)]).optional(),
  stopBits: z.union([z.literal(1), z.literal(2)]).optional(),
  timeoutMs: z.number().positive().optional(),
  interFrameGapMs: z.number().min(0).optional(),
  unitSwitchDelayMs: z.number().min(0).optional(),
})

const common = {
  $schema: z.string().optional(),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  aliases: z.array(z.string()).optional(),
  vendor: z.string(),
  model: z.string(),
  description: z.string().optional(),
  /** Where the register map comes from (manual, open-source implementation). */
  sources: z.array(z.string()).optional(),
  notes: z.array(z.string()).optional(),
  transport: transportDefaults,
  /** Largest plausible |power| (W): bounds the counter guard's jump check and the power plausibility check. */
  maxPowerW: z.number().positive(),
  /** `importPositive`: the device's power is > 0 when importing (Eastron). `exportPositive` inverts it. */
  powerSign: z.enum(['importPositive', 'exportPositive']),
}

const registersProfile = z
  .strictObject({
    ...common,
    kind: z.literal('registers'),
    /** `grid`: a meter at the grid connection; `pv`: a PV inverter or PV meter (pvPowerW, pvEnergyWh). */
    role: z.enum(['grid', 'pv']),
    functionCode,
    /** Largest register count per read this device accepts. Default 125. */
    maxRegistersPerRead: z.int().min(1).max(125).optional(),
    values: z.partialRecord(quantity, valueSpec),
  })
  .superRefine((p, ctx) => {
    for (const q of REQUIRED[p.role]) {
      if (!p.values[q])
        ctx.addIssue({ code: 'custom', path: ['values', q], message: `a ${p.role} profile must map ${q}` })
    }
  })

const sunspecPoint = z.strictObject({
  /** Offset from the model's ID register (the ID is offset 0, L is offset 1). */
  offset: z.int().min(2),
  type: z.enum(VALUE_TYPES).exclude(['sunssf']),
  /** Offset of the point's `*_SF` register, read in the same request. */
  sfOffset: z.int().min(2).optional(),
  scale: z.number().optional(),
})

const sunspecModel = z.strictObject({
  role: z.enum(['grid', 'pv']),
  name: z.string(),
  /** Model length L (registers after the 2-register header), checked against the device's chain. */
  length: z.int().min(1),
  points: z.partialRecord(quantity, sunspecPoint),
})

const sunspecProfile = z.strictObject({
  ...common,
  kind: z.literal('sunspec'),
  /** PDU addresses where the 'SunS' marker may sit, tried in order. */
  baseAddresses: z.array(z.int().min(0).max(65533)).min(1),
  models: z.record(z.string().regex(/^\d+$/, 'model id'), sunspecModel),
  /** Model ids to use, first present wins. */
  preference: z.strictObject({ grid: z.array(z.int()), pv: z.array(z.int()) }),
})

export const profileSchema = z.discriminatedUnion('kind', [registersProfile, sunspecProfile])

export type MeterProfile = z.infer<typeof profileSchema>
export type RegistersProfile = z.infer<typeof registersProfile>
export type SunSpecProfile = z.infer<typeof sunspecProfile>
export type ValueSpec = z.infer<typeof valueSpec>
export type SunSpecModel = z.infer<typeof sunspecModel>

const REQUIRED = {
  grid: ['activePowerW', 'importEnergyWh', 'exportEnergyWh'],
  pv: ['pvPowerW'],
} as const

/** The `meters/` directory of this checkout, where the built-in profiles live. */
export const PROFILES_DIR = fileURLToPath(new URL('../../meters/', import.meta.url))

/**
 * Validates a parsed profile object. `source` names the file in the error.
 *
 * @example
 * const profile = parseProfile(JSON.parse(text), 'my-meter.json')
 */
export function parseProfile(input: unknown, source = '<inline profile>'): MeterProfile {
  const result = profileSchema.safeParse(input)
  if (result.success) return result.data
  const [first] = result.error.issues
  const where = (i: z.core.$ZodIssue) => i.path.map(String).join('.') || '(root)'
  throw new MeterError(`invalid meter profile ${source}`, {
    code: 'PROFILE',
    field: first ? where(first) : undefined,
    details: result.error.issues.map((i) => `${source}: ${where(i)}: ${i.message}`).join('; '),
  })
}

/**
 * Loads a profile by built-in id or alias (`sdm630`, `eastron-sdm630`, `sunspec`...) or from a JSON file path.
 *
 * @example
 * const sdm = loadProfile('sdm630')
 * const mine = loadProfile('./my-meter.json')
 */
export function loadProfile(nameOrPath: string, dir = PROFILES_DIR): MeterProfile {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json')
  const file = isPath ? nameOrPath : findBuiltin(nameOrPath, dir)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new MeterError(`cannot read meter profile ${file}`, { code: 'PROFILE', cause: err, details: String(err) })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new MeterError(`meter profile ${file} is not JSON`, { code: 'PROFILE', details: String(err), cause: err })
  }
  return parseProfile(json, file)
}

/** Ids of the built-in profiles with their aliases. */
export function listProfiles(dir = PROFILES_DIR): { id: string; aliases: string[]; file: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f)
      const raw = JSON.parse(readFileSync(file, 'utf8')) as { id?: string; aliases?: string[] }
      return { id: raw.id ?? basename(f, '.json'), aliases: raw.aliases ?? [], file }
    })
}

function findBuiltin(name: string, dir: string): string {
  const wanted = name.toLowerCase()
  const all = listProfiles(dir)
  const hit = all.find((p) => p.id === wanted || p.aliases.includes(wanted))
  if (!hit) {
    throw new MeterError(`unknown meter profile "${name}"`, {
      code: 'PROFILE',
      field: 'profile',
      details: `built-in profiles: ${all.map((p) => [p.id, ...p.aliases].join('|')).join(', ')}; or give a path to a JSON file`,
    })
  }
  return hit.file
}

/** The profile's JSON schema, for editors (`meters/profile.schema.json` is generated from it). */
export function profileJsonSchema(): unknown {
  return z.toJSONSchema(profileSchema, { io: 'input' })
}
