import { decodeValue, registerCount, type ValueType, type WordOrder } from './decode.js'
import { MeterError } from './errors.js'
import {
  type Decoded,
  emptyDecoded,
  QUANTITIES,
  QUANTITY_INDEX,
  type Quantity,
  type ReadFunctionCode,
} from './types.js'

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

/** A planned value resolved to where it sits in the replies; also the spec `decodeValue` reads. */
interface CompiledValue {
  /** Where it goes in the decoded values (`QUANTITY_INDEX`). */
  index: number
  reply: number
  offset: number
  type: PlannedValue['type']
  wordOrder: WordOrder
  notAvailable: readonly number[] | undefined
  sunspec: boolean
  scale: number
  /** Reply and byte offset of the SunSpec scale factor register; `sfReply` is -1 without one. */
  sfReply: number
  sfOffset: number
}

/** An expectation resolved to its reply and byte offset. */
interface CompiledExpectation {
  expectation: Expectation
  reply: number
  offset: number
}

const SUNSSF = { type: 'sunssf', sunspec: true } as const

/**
 * A read plan with every address resolved to its reply and byte offset, once: decoding a reading then does no
 * searching, no string lookups and, given its output array, no allocation (plans are data built once per device;
 * this runs on every reading).
 */
export class PlanDecoder {
  /** The planned quantities (once each), as `QUANTITY_INDEX` positions. */
  private readonly indices: readonly number[]
  private readonly values: readonly CompiledValue[]
  private readonly expectations: readonly CompiledExpectation[]

  constructor(readonly plan: ReadPlan) {
    this.values = plan.values.map((v) => {
      const at = locate(plan, v.functionCode, v.address)
      const sf = v.scaleFactorAddress === undefined ? undefined : locate(plan, v.functionCode, v.scaleFactorAddress)
      return {
        index: QUANTITY_INDEX[v.quantity],
        reply: at.reply,
        offset: at.offset,
        type: v.type,
        wordOrder: v.wordOrder,
        notAvailable: v.notAvailable,
        sunspec: v.sunspec,
        scale: v.scale,
        sfReply: sf ? sf.reply : -1,
        sfOffset: sf ? sf.offset : 0,
      }
    })
    this.indices = [...new Set(this.values.map((v) => v.index))]
    this.expectations = plan.expectations.map((expectation) => ({
      expectation,
      ...locate(plan, expectation.functionCode, expectation.address),
    }))
  }

  /**
   * Decodes every planned value from the block replies into `out` (every other quantity NaN) and returns it.
   * NaN = the device says "not available". Throws BAD_REPLY when an expectation fails.
   */
  decode(replies: readonly Buffer[], out: Decoded = emptyDecoded()): Decoded {
    for (const { expectation: e, reply, offset } of this.expectations) {
      const got = replies[reply]!.readUInt16BE(offset)
      if (got !== e.value) {
        throw new MeterError('device layout changed', {
          code: 'BAD_REPLY',
          details: `expected ${e.value} at ${e.address}, got ${got}`,
        })
      }
    }
    out.fill(Number.NaN)
    const values = this.values
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!
      const raw = decodeValue(replies[v.reply]!, v.offset, v)
      if (raw === undefined) continue
      if (v.sfReply < 0) {
        out[v.index] = raw * v.scale
        continue
      }
      const sf = decodeValue(replies[v.sfReply]!, v.sfOffset, SUNSSF)
      // SunSpec allows exponents -10..10; anything else is garbage, treat as not available.
      if (sf !== undefined && Math.abs(sf) <= 10) out[v.index] = raw * v.scale * 10 ** sf
    }
    return out
  }

  /** Appends the planned quantities that `values` (decoded with this plan) has as not available. */
  pushUnavailable(values: Decoded, out: Quantity[]): void {
    const indices = this.indices
    for (let i = 0; i < indices.length; i++) {
      const q = indices[i]!
      if (Number.isNaN(values[q])) out.push(QUANTITIES[q]!)
    }
  }
}

function locate(plan: ReadPlan, fc: ReadFunctionCode, address: number): { reply: number; offset: number } {
  const i = plan.blocks.findIndex((b) => b.functionCode === fc && address >= b.address && address < b.address + b.count)
  if (i < 0) {
    throw new MeterError('read plan does not cover a register', {
      code: 'INVALID_ARGUMENT',
      field: 'plan.blocks',
      details: `fc ${fc} @${address} is in no block`,
    })
  }
  return { reply: i, offset: (address - plan.blocks[i]!.address) * 2 }
}

const DECODERS = new WeakMap<ReadPlan, PlanDecoder>()

/** The decoder of `plan`, built on first use. */
export function planDecoder(plan: ReadPlan): PlanDecoder {
  let decoder = DECODERS.get(plan)
  if (!decoder) {
    decoder = new PlanDecoder(plan)
    DECODERS.set(plan, decoder)
  }
  return decoder
}

/**
 * Decodes every planned value from the block replies (see {@link PlanDecoder.decode}); into `out` when given.
 *
 * @example
 * const values = decodePlan(plan, [reply])
 * const watts = values[QUANTITY_INDEX.activePowerW] // NaN: not available
 */
export function decodePlan(plan: ReadPlan, replies: readonly Buffer[], out?: Decoded): Decoded {
  return planDecoder(plan).decode(replies, out)
}

/** The plan with every 32-bit value read in `order` (16-bit values have no word order). */
export function withWordOrder(plan: ReadPlan, order: WordOrder | undefined): ReadPlan {
  if (!order) return plan
  return {
    ...plan,
    values: plan.values.map((v) => (registerCount(v.type) === 2 ? { ...v, wordOrder: order } : v)),
  }
}
