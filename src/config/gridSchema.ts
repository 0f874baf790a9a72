import { z } from 'zod'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected 0x followed by 40 hex digits')

/**
 * A network fee in token units per Wh: a whole number (a string for values beyond 2^53), below 2^64 (the
 * settlement batch's fee field).
 */
const feePerWh = z
  .union([
    z
      .string()
      .regex(/^\d{1,20}$/, 'expected a whole number')
      .refine((v) => BigInt(v) < 2n ** 64n, 'must be below 2^64 (the settlement batch carries 64 bits)'),
    z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 53 - 1),
  ])
  .transform((v) => BigInt(v))

/**
 * `market.grid`: the grid-aware clearing of a pilot (docs/grid.md, "A grid-aware market on the nodes"). Every node
 * of the market must carry the same section and the same network file: fees and limits are part of the
 * deterministic clearing, so a node with another network computes other roots and loses the quorum.
 */
export const gridSchema = z
  .object({
    /**
     * The network file shared by all nodes (.yaml, .yml or .json; the format of the simulator's `network: file:`,
     * see docs/grid.md). Relative to the config file's directory.
     */
    network: z.string().min(1),
    /** Network fee per Wh traded, token units, by level [same feeder, same transformer, upstream], non-decreasing. */
    fees: z
      .tuple([feePerWh, feePerWh, feePerWh])
      .refine(([a, b, c]) => a <= b && b <= c, { message: 'fees must be non-decreasing by level' })
      .default([0n, 0n, 0n]),
    /** Who is paid the fees (the grid operator's settlement address). */
    feeRecipient: address,
    /** Keep each feeder's and the transformer's scheduled flow within its rating per interval. */
    capacity: z.boolean().default(true),
    /**
     * Account -> connection point (an id of the network file's household list, e.g. a meter id), for the
     * households the network file does not list by account. A household on neither is off this network: its
     * trades count as upstream.
     */
    connections: z.record(address, z.string().min(1)).default({}),
    /** The grid operator's address: its signed operating envelopes replace the limits per interval. Absent: none. */
    operator: address.optional(),
    /** An envelope for interval k is accepted until the gate closure of interval k − envelopeLeadIntervals. */
    envelopeLeadIntervals: z.number().int().min(1).max(96).default(1),
    /** Envelopes more than this many intervals ahead are ignored. */
    envelopeMaxAheadIntervals: z.number().int().min(1).max(2880).default(96),
  })
  .strict()

export type GridConfig = z.output<typeof gridSchema>
