import { GridletError } from '../errors.js'
import type { Bus, Connection, GridNetwork, Line, Transformer } from './types.js'

/**
 * Validates the shape and the values of a network description (a config file, a scenario section): every field
 * present with its type, every physical quantity positive and finite. The topology (tree, connected, known buses)
 * is judged by `compileNetwork`. Errors are `CONFIG_GRID_FIELD` naming the element and the field.
 *
 * @example
 * const net = parseNetwork(JSON.parse(readFileSync('sim/grid/networks/cigre-lv-residential.json', 'utf8')))
 */
export function parseNetwork(input: unknown): GridNetwork {
  const o = record(input, 'network')
  const lines = list(o.lines, 'lines').map((l, i) => parseLine(l, `lines[${i}]`))
  return {
    name: text(o.name, 'name'),
    voltageKv: positive(o.voltageKv, 'voltageKv'),
    transformer: parseTransformer(o.transformer),
    buses: list(o.buses, 'buses').map((b, i): Bus => ({ id: text(record(b, `buses[${i}]`).id, `buses[${i}].id`) })),
    lines,
    households: list(o.households, 'households').map((h, i) => parseConnection(h, `households[${i}]`)),
  }
}

function parseTransformer(input: unknown): Transformer {
  const t = record(input, 'transformer')
  const vscPercent = positive(t.vscPercent, 'transformer.vscPercent')
  const vscrPercent = number(t.vscrPercent, 'transformer.vscrPercent')
  if (vscrPercent < 0 || vscrPercent > vscPercent)
    fail('transformer.vscrPercent', 'must be >= 0 and <= vscPercent (the resistive part of the impedance)')
  const voltagePu = t.voltagePu === undefined ? undefined : positive(t.voltagePu, 'transformer.voltagePu')
  if (voltagePu !== undefined && (voltagePu < 0.8 || voltagePu > 1.2))
    fail('transformer.voltagePu', 'must be within 0.8 .. 1.2')
  return {
    id: text(t.id, 'transformer.id'),
    bus: text(t.bus, 'transformer.bus'),
    ratingKva: positive(t.ratingKva, 'transformer.ratingKva'),
    vscPercent,
    vscrPercent,
    ...(voltagePu === undefined ? {} : { voltagePu }),
  }
}

function parseLine(input: unknown, at: string): Line {
  const l = record(input, at)
  const id = text(l.id, `${at}.id`)
  const field = (name: string) => `lines[${JSON.stringify(id)}].${name}`
  return {
    id,
    from: text(l.from, field('from')),
    to: text(l.to, field('to')),
    lengthM: positive(l.lengthM, field('lengthM')),
    rOhmPerKm: positive(l.rOhmPerKm, field('rOhmPerKm')),
    xOhmPerKm: nonNegative(l.xOhmPerKm, field('xOhmPerKm')),
    ampacityA: positive(l.ampacityA, field('ampacityA')),
  }
}

function parseConnection(input: unknown, at: string): Connection {
  const h = record(input, at)
  return { id: text(h.id, `${at}.id`), bus: text(h.bus, `${at}.bus`) }
}

function fail(field: string, why: string): never {
  throw new GridletError(`invalid network: ${field} ${why}`, { code: 'CONFIG_GRID_FIELD', field })
}

function record(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be an object')
  return v as Record<string, unknown>
}

function list(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) fail(field, 'must be a list')
  return v
}

function text(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) fail(field, 'must be a non-empty string')
  return v
}

function number(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'must be a finite number')
  return v
}

function positive(v: unknown, field: string): number {
  const x = number(v, field)
  if (x <= 0) fail(field, 'must be > 0')
  return x
}

function nonNegative(v: unknown, field: string): number {
  const x = number(v, field)
  if (x < 0) fail(field, 'must be >= 0')
  return x
}
