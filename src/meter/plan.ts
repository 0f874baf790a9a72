import { decodeValue, registerCount, type ValueType, type WordOrder } from './decode.js'
import { MeterError } from './errors.js'
import type { Quantity, ReadFunctionCode } from './types.js'

/** One value to read, with absolute addresses. */
export interface PlannedValue {
  quantity: Quantity
  functionCode: ReadFunctionCode
  address: number
  type: Exclude<ValueType, 'sunssf'>
  wordOrder: WordOrder
  scale: number
  scaleFactorAddress?: number
  notAvailable?: readonly number[]
  /** Apply SunSpec "not implemented" sentinels. */
  sunspec: boolean
}

/** A register that must hold a known value (SunSpec model id): a mismatch means the layout changed. */
export interface Expectation {
  functionCode: ReadFunctionCode
  address: number
  value: number
}

export interface Block {
  functionCode: ReadFunctionCode
  address: number
  count: number
}

export interface ReadPlan {
  blocks: Block[]
  values: PlannedValue[]
  expectations: Expectation[]
}

/**
 * Groups values into as few reads as `maxCount` allows (registers between values are read along: meters answer
 * them, and one 76-register read is much cheaper than several small ones on a 9600-baud bus).
 */
export function planReads(values: PlannedValue[], maxCount: number, expectations: Expectation[] = []): ReadPlan {
  const spans = [
    ...values.map((v) => ({ fc: v.functionCode, start: v.address, end: v.address + registerCount(v.type) })),
    ...values
      .filter((v) => v.scaleFactorAddress !== undefined)
      .map((v) => ({ fc: v.functionCode, start: v.scaleFactorAddress!, end: v.scaleFactorAddress! + 1 })),
    ...expectations.map((e) => ({ fc: e.functionCode, start: e.address, end: e.address + 1 })),
  ].sort((a, b) => a.fc - b.fc || a.start - b.start)
  const blocks: Block[] = []
  for (const s of spans) {
    const cur = blocks.at(-1)
    if (cur && cur.functionCode === s.fc && s.end - cur.address <= maxCount) {
      cur.count = Math.max(cur.count, s.end - cur.address)
    } else {
      blocks.push({ functionCode: s.fc, address: s.start, count: s.end - s.start })
    }
  }
  return { blocks, values, expectations }
}

/** Where a planned value, its scale factor or an expectation sits in the replies: reply index and byte offset. */
interface Located {
  reply: number
  offset: number
}

/** A plan with every address resolved to its reply, once: decoding then does no searching per reading. */
interface CompiledPlan {
  values: { value: PlannedValue; at: Located; sf: Located | undefined }[]
  expectations: { expectation: Expectation; at: Located }[]
}

const COMPILED = new WeakMap<ReadPlan, CompiledPlan>()

function compile(plan: ReadPlan): CompiledPlan {
  let compiled = COMPILED.get(plan)
  if (compiled) return compiled
  const locate = (fc: ReadFunctionCode, address: number): Located => {
    const i = plan.blocks.findIndex(
      (b) => b.functionCode === fc && address >= b.address && address < b.address + b.count,
    )
    if (i < 0) {
      throw new MeterError('read plan does not cover a register', {
        code: 'INVALID_ARGUMENT',
        field: 'plan.blocks',
        details: `fc ${fc} @${address} is in no block`,
      })
    }
    return { reply: i, offset: (address - plan.blocks[i]!.address) * 2 }
  }
  compiled = {
    values: plan.values.map((value) => ({
      value,
      at: locate(value.functionCode, value.address),
      sf: value.scaleFactorAddress === undefined ? undefined : locate(value.functionCode, value.scaleFactorAddress),
    })),
    expectations: plan.expectations.map((expectation) => ({
      expectation,
      at: locate(expectation.functionCode, expectation.address),
    })),
  }
  COMPILED.set(plan, compiled)
  return compiled
}

const SUNSSF = { type: 'sunssf', sunspec: true } as const

/**
 * Decodes every planned value from the block replies. `undefined` = the device says "not available".
 * Throws BAD_REPLY when an expectation fails. The plan is resolved to reply offsets on first use (plans are data
 * built once per device; this runs on every reading).
 */
export function decodePlan(plan: ReadPlan, replies: Buffer[]): Map<Quantity, number | undefined> {
  const { values, expectations } = compile(plan)
  for (const { expectation: e, at } of expectations) {
    const got = replies[at.reply]!.readUInt16BE(at.offset)
    if (got !== e.value) {
      throw new MeterError('device layout changed', {
        code: 'BAD_REPLY',
        details: `expected ${e.value} at ${e.address}, got ${got}`,
      })
    }
  }
  const out = new Map<Quantity, number | undefined>()
  for (const { value: v, at, sf: sfAt } of values) {
    const raw = decodeValue(replies[at.reply]!, at.offset, v)
    let sf = 0
    if (sfAt) {
      const decoded = decodeValue(replies[sfAt.reply]!, sfAt.offset, SUNSSF)
      // SunSpec allows exponents -10..10; anything else is garbage, treat as not available.
      sf = decoded !== undefined && Math.abs(decoded) <= 10 ? decoded : Number.NaN
    }
    out.set(v.quantity, raw === undefined || Number.isNaN(sf) ? undefined : raw * v.scale * 10 ** sf)
  }
  return out
}

/** The plan with every 32-bit value read in `order` (16-bit values have no word order). */
export function withWordOrder(plan: ReadPlan, order: WordOrder | undefined): ReadPlan {
  if (!order) return plan
  return {
    ...plan,
    values: plan.values.map((v) => (registerCount(v.type) === 2 ? { ...v, wordOrder: order } : v)),
  }
}
