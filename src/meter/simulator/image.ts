import { encodeRaw, registerCount, type WordOrder } from '../decode.js'
import { MeterError } from '../errors.js'
import type { MeterProfile, RegistersProfile, SunSpecProfile } from '../profile.js'
import { SUNSPEC_MARKER } from '../sunspec.js'
import type { Quantity, ReadFunctionCode } from '../types.js'
import type { SimState } from './source.js'

/** A contiguous register range a simulated device answers for one function code. */
export interface RegisterImage {
  functionCode: ReadFunctionCode
  address: number
  /** 2 bytes per register, big-endian, as on the wire. */
  bytes: Buffer
}

/** Writes a state into images: built once per device, refilled in place on each request. */
export interface ImageWriter {
  readonly images: RegisterImage[]
  fill(state: SimState): void
}

/** Value of each canonical quantity for a state (three balanced phases). */
export function quantityValue(q: Quantity, s: SimState): number {
  const phaseW = s.activePowerW / 3
  switch (q) {
    case 'activePowerW':
      return s.activePowerW
    case 'activePowerL1W':
    case 'activePowerL2W':
    case 'activePowerL3W':
      return phaseW
    case 'voltageL1V':
    case 'voltageL2V':
    case 'voltageL3V':
      return s.voltageV
    case 'currentL1A':
    case 'currentL2A':
    case 'currentL3A':
      return Math.abs(phaseW) / s.voltageV
    case 'frequencyHz':
      return s.frequencyHz
    case 'importEnergyWh':
      return s.importWh
    case 'exportEnergyWh':
      return s.exportWh
    case 'pvPowerW':
      return s.pvPowerW
    case 'pvEnergyWh':
      return s.pvWh
  }
}

const isPower = (q: Quantity) => q === 'activePowerW' || /^activePowerL\dW$/.test(q)

/**
 * Image writer for a profile. SunSpec devices get a chain: common model 1, the grid model, the PV model, end.
 * `wordOrder` serves every 32-bit value in that order instead of the profile's (a device set to another order).
 */
export function imageWriter(
  profile: MeterProfile,
  sunspec: { base?: number; gridModel?: number; pvModel?: number | null } = {},
  wordOrder?: WordOrder,
): ImageWriter {
  return profile.kind === 'registers' ? registersImage(profile, wordOrder) : sunspecImage(profile, sunspec, wordOrder)
}

function registersImage(profile: RegistersProfile, wordOrder: WordOrder | undefined): ImageWriter {
  const entries = Object.entries(profile.values).map(([q, spec]) => ({
    q: q as Quantity,
    fc: spec!.functionCode ?? profile.functionCode,
    spec: spec!,
  }))
  const images: RegisterImage[] = []
  for (const fc of new Set(entries.map((e) => e.fc))) {
    const mine = entries.filter((e) => e.fc === fc)
    const starts = mine.flatMap((e) => [e.spec.address, e.spec.scaleFactorAddress ?? e.spec.address])
    const ends = mine.flatMap((e) => [
      e.spec.address + registerCount(e.spec.type),
      (e.spec.scaleFactorAddress ?? e.spec.address) + 1,
    ])
    // Like a real meter, answer the whole span including holes between values (holes read as 0).
    const address = Math.min(...starts)
    images.push({ functionCode: fc, address, bytes: Buffer.alloc((Math.max(...ends) - address) * 2) })
  }
  const sign = profile.powerSign === 'exportPositive' ? -1 : 1
  return {
    images,
    fill(state) {
      for (const { q, fc, spec } of entries) {
        const image = images.find((i) => i.functionCode === fc)!
        const value = quantityValue(q, state) * (isPower(q) ? sign : 1)
        const order = wordOrder ?? spec.wordOrder
        encodeRaw(image.bytes, (spec.address - image.address) * 2, spec.type, value / (spec.scale ?? 1), order)
        if (spec.scaleFactorAddress !== undefined) {
          encodeRaw(image.bytes, (spec.scaleFactorAddress - image.address) * 2, 'sunssf', 0)
        }
      }
    },
  }
}

/** Exponent the simulator uses per quantity kind for int+SF SunSpec models. */
function sunspecSf(q: Quantity): number {
  if (q.startsWith('voltage')) return -1
  if (q.startsWith('current') || q === 'frequencyHz') return -2
  return 0
}

function sunspecImage(
  profile: SunSpecProfile,
  opts: { base?: number; gridModel?: number; pvModel?: number | null },
  wordOrder: WordOrder | undefined,
): ImageWriter {
  const base = opts.base ?? profile.baseAddresses[0]!
  const ids = [opts.gridModel ?? profile.preference.grid[0]!, ...(opts.pvModel ? [opts.pvModel] : [])]
  const COMMON_LENGTH = 66
  let total = 2 + 2 + COMMON_LENGTH
  const placed = ids.map((id, i) => {
    const model = profile.models[String(id)]
    if (!model) {
      throw new MeterError(`profile ${profile.id} has no SunSpec model ${id}`, {
        code: 'PROFILE',
        field: i === 0 ? 'sunspec.gridModel' : 'sunspec.pvModel',
        details: `models of ${profile.id}: ${Object.keys(profile.models).join(', ')}`,
      })
    }
    const at = base + total
    total += 2 + model.length
    return { id, model, at }
  })
  const bytes = Buffer.alloc((total + 2) * 2)
  const put = (address: number, word: number) => bytes.writeUInt16BE(word, (address - base) * 2)
  put(base, SUNSPEC_MARKER[0])
  put(base + 1, SUNSPEC_MARKER[1])
  put(base + 2, 1)
  put(base + 3, COMMON_LENGTH)
  bytes.write('gridlet', (base + 4 - base) * 2, 'ascii') // Mn
  bytes.write('meter simulator', (base + 20 - base) * 2, 'ascii') // Md
  for (const { id, model, at } of placed) {
    put(at, id)
    put(at + 1, model.length)
  }
  put(base + total, 0xffff)
  put(base + total + 1, 0)
  const sign = profile.powerSign === 'exportPositive' ? -1 : 1
  return {
    images: [{ functionCode: 3, address: base, bytes }],
    fill(state) {
      for (const { model, at } of placed) {
        for (const [q, point] of Object.entries(model.points)) {
          const quantity = q as Quantity
          const sf = point!.sfOffset === undefined ? 0 : sunspecSf(quantity)
          if (point!.sfOffset !== undefined) encodeRaw(bytes, (at + point!.sfOffset - base) * 2, 'sunssf', sf)
          const value = quantityValue(quantity, state) * (isPower(quantity) ? sign : 1)
          const raw = value / 10 ** sf / (point!.scale ?? 1)
          encodeRaw(bytes, (at + point!.offset - base) * 2, point!.type, raw, wordOrder)
        }
      }
    },
  }
}
