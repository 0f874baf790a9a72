import { registerCount, type WordOrder } from './decode.js'
import { MeterError } from './errors.js'
import type { Link } from './link.js'
import { type PlannedValue, planReads, type ReadPlan, withWordOrder } from './plan.js'
import type { MeterProfile } from './profile.js'
import { discoverSunSpec, type SunSpecLayout, sunspecModelValues } from './sunspec.js'
import type { Quantity } from './types.js'

/** How a source's reads reach the device: through the meter, so they are queued, timed out and counted. */
export interface SourceRequests {
  request(unitId: number, block: ReadPlan['blocks'][number], signal?: AbortSignal): Promise<Buffer>
}

/** A device on the link that yields decoded quantities: a fixed register map or a discovered SunSpec model. */
export interface Source {
  readonly profile: MeterProfile
  readonly unitId: number
  /** The plan when it is known without asking the device (fixed register maps). */
  readonly fixedPlan?: ReadPlan
  plan(signal?: AbortSignal): Promise<ReadPlan>
  invalidate(): void
}

export function createSource(
  link: Link,
  profile: MeterProfile,
  unitId: number,
  role: 'grid' | 'pv',
  meter: SourceRequests,
  wordOrder: WordOrder | undefined,
): Source {
  if (profile.kind === 'registers') {
    if (profile.role !== role) {
      throw new MeterError(`profile ${profile.id} is not a ${role} profile`, { code: 'PROFILE', field: 'role' })
    }
    const plan = withWordOrder(registersPlan(profile), wordOrder)
    return { profile, unitId, fixedPlan: plan, plan: async () => plan, invalidate: () => {} }
  }
  let cached: Promise<ReadPlan> | undefined
  const discover = async (signal?: AbortSignal): Promise<ReadPlan> => {
    const counted: Link = Object.create(link, {
      readRegisters: {
        value: (args: Parameters<Link['readRegisters']>[0]) => meter.request(args.unitId, args, signal),
      },
    })
    const layout = await discoverSunSpec(counted, { unitId, baseAddresses: profile.baseAddresses, signal })
    return withWordOrder(sunspecPlan(profile, layout, role, unitId), wordOrder)
  }
  return {
    profile,
    unitId,
    plan(signal) {
      cached ??= discover(signal).catch((err) => {
        cached = undefined
        throw err
      })
      return cached
    },
    invalidate: () => {
      cached = undefined
    },
  }
}

/** The read plan of a fixed register map: counters and power always, plus every other mapped quantity. */
export function registersPlan(profile: Extract<MeterProfile, { kind: 'registers' }>): ReadPlan {
  const values: PlannedValue[] = Object.entries(profile.values).map(([quantity, spec]) => ({
    quantity: quantity as Quantity,
    functionCode: spec!.functionCode ?? profile.functionCode,
    address: spec!.address,
    type: spec!.type,
    wordOrder: spec!.wordOrder ?? 'ABCD',
    scale: spec!.scale ?? 1,
    scaleFactorAddress: spec!.scaleFactorAddress,
    notAvailable: spec!.notAvailable,
    sunspec: false,
  }))
  return planReads(values, profile.maxRegistersPerRead ?? 125)
}

function sunspecPlan(
  profile: Extract<MeterProfile, { kind: 'sunspec' }>,
  layout: SunSpecLayout,
  role: 'grid' | 'pv',
  unitId: number,
): ReadPlan {
  for (const id of profile.preference[role]) {
    const model = profile.models[String(id)]
    const ref = layout.models.find((m) => m.id === id)
    if (!model || model.role !== role || !ref) continue
    const values = sunspecModelValues(ref, model)
    const fits = values.every((v) => v.address + registerCount(v.type) <= ref.address + 2 + ref.length)
    if (!fits) continue
    return planReads(values, 125, [{ functionCode: 3, address: ref.address, value: id }])
  }
  throw new MeterError(`no SunSpec ${role} model at unit ${unitId}`, {
    code: 'NO_SUNSPEC',
    details: `models found: ${layout.models.map((m) => m.id).join(', ') || 'none'}; usable: ${profile.preference[role].join(', ')}`,
  })
}
