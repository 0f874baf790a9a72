import { MeterError } from './errors.js'
import type { Link } from './link.js'
import type { PlannedValue } from './plan.js'
import type { SunSpecModel } from './profile.js'

/** 'SunS' as two big-endian registers. */
export const SUNSPEC_MARKER = [0x5375, 0x6e53] as const
const END_MODEL = 0xffff
const MAX_MODELS = 64

export interface SunSpecModelRef {
  id: number
  /** PDU address of the model's ID register. */
  address: number
  /** L: registers after the 2-register header. */
  length: number
}

export interface SunSpecLayout {
  base: number
  models: SunSpecModelRef[]
}

/**
 * Finds the SunSpec marker (trying `baseAddresses` in order) and walks the model chain to the end model. One request
 * per model header, FC3. Throws NO_SUNSPEC when no base carries the marker.
 *
 * @example
 * const { models } = await discoverSunSpec(link, { unitId: 1 })
 * // [{ id: 1, address: 40002, length: 66 }, { id: 203, address: 40070, length: 105 }]
 */
export async function discoverSunSpec(
  link: Link,
  args: { unitId: number; baseAddresses?: readonly number[]; signal?: AbortSignal; timeoutMs?: number },
): Promise<SunSpecLayout> {
  const { unitId, signal, timeoutMs } = args
  const read = (address: number) =>
    link.readRegisters({ unitId, functionCode: 3, address, count: 2, signal, timeoutMs })
  for (const base of args.baseAddresses ?? [40000, 0, 50000]) {
    let marker: Buffer
    try {
      marker = await read(base)
    } catch (err) {
      // A device without registers there answers "illegal address": try the next base. Link errors propagate.
      if (err instanceof MeterError && (err.code === 'ILLEGAL_ADDRESS' || err.code === 'MODBUS_EXCEPTION')) continue
      throw err
    }
    if (marker.readUInt16BE(0) !== SUNSPEC_MARKER[0] || marker.readUInt16BE(2) !== SUNSPEC_MARKER[1]) continue
    const models: SunSpecModelRef[] = []
    let address = base + 2
    for (let i = 0; i < MAX_MODELS && address + 2 <= 0x10000; i++) {
      const header = await read(address)
      const id = header.readUInt16BE(0)
      if (id === END_MODEL) return { base, models }
      const length = header.readUInt16BE(2)
      models.push({ id, address, length })
      address += 2 + length
    }
    throw new MeterError('SunSpec model chain does not end', {
      code: 'BAD_REPLY',
      details: `unit ${unitId}, base ${base}: no end model after ${models.length} models`,
    })
  }
  throw new MeterError(`no SunSpec device at unit ${unitId}`, {
    code: 'NO_SUNSPEC',
    details: `no 'SunS' marker at ${(args.baseAddresses ?? [40000, 0, 50000]).join(', ')}`,
  })
}

/** Absolute values to read for a model found in the chain. */
export function sunspecModelValues(ref: SunSpecModelRef, model: SunSpecModel): PlannedValue[] {
  return Object.entries(model.points).map(([quantity, point]) => ({
    quantity: quantity as PlannedValue['quantity'],
    functionCode: 3,
    address: ref.address + point!.offset,
    type: point!.type,
    wordOrder: 'ABCD',
    scale: point!.scale ?? 1,
    scaleFactorAddress: point!.sfOffset === undefined ? undefined : ref.address + point!.sfOffset,
    sunspec: true,
  }))
}
