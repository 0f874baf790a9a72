import { z } from 'zod'

/** A cable type in a scenario: impedance per km and thermal limit. */
const cable = z.object({
  rOhmPerKm: z.number().positive(),
  xOhmPerKm: z.number().nonnegative(),
  ampacityA: z.number().positive(),
})

/**
 * The scenario's `network:` section: the low-voltage network the households sit on, either a network file (one of
 * sim/grid/networks/ or a path; household h connects where the file's household `h mod L` does) or counts for the
 * default generator (`feeders`, households split into near-equal contiguous blocks). Each interval's metered net of
 * every household then goes through the power flow (sim/grid/gridImpact.ts). See docs/grid.md.
 */
export const networkSection = z
  .object({
    file: z.string().min(1).optional(),
    feeders: z.number().int().min(1).max(1000).optional(),
    /** Generator only: transformer rating (default: smallest standard size >= 2.5 kVA per household). */
    transformerKva: z.number().positive().optional(),
    /** Generator only: cable length between neighbouring connection points, m. */
    segmentM: z.number().positive().default(30),
    /** Generator only: no-load busbar voltage (tap setting), pu (default 1). */
    voltagePu: z.number().min(0.8).max(1.2).optional(),
    /** Generator only: the street cable (default NAYY 4x150 SE). */
    cable: cable.optional(),
    /** Voltage band outside which a bus-interval counts as a violation, pu (EN 50160: +-10 %). */
    voltageBand: z
      .object({ min: z.number().positive(), max: z.number().positive() })
      .refine((b) => b.min < 1 && b.max > 1, { message: 'expected min < 1 < max' })
      .default({ min: 0.9, max: 1.1 }),
    /** Power factor of the households' import (inductive); export is at unity. */
    powerFactor: z.number().gt(0).max(1).default(1),
    /**
     * A grid-aware market on this network (fast mode): network fees per Wh by level [same feeder, same
     * transformer, upstream] in token units, and whether the clearing keeps each feeder's and the transformer's
     * scheduled flow within its rating per interval. Set, the households' batteries also follow their contracted
     * positions (sim/fast/deliverContracts.ts), so the power flow "with market" is the market's; capacity-aware,
     * every household also keeps within its site envelope (sim/grid/siteLimits.ts). See docs/grid.md.
     */
    market: z
      .object({
        fees: z
          .tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.number().int().nonnegative()])
          .refine(([a, b, c]) => a <= b && b <= c, { message: 'fees must be non-decreasing by level' })
          .default([0, 0, 0]),
        capacity: z.boolean().default(true),
        /**
         * Capacity-aware only: the site envelopes also keep the voltage band, each element's limit being the
         * tighter of its rating and its hosting capacity (src/core/grid/hostingLimits.ts).
         */
        voltage: z.boolean().default(true),
        /** Who is paid the fees (the grid operator). */
        feeRecipient: z
          .string()
          .regex(/^0x[0-9a-fA-F]{40}$/)
          .default('0x00000000000000000000000000000000000000d5'),
      })
      .optional(),
  })
  .refine((n) => (n.file === undefined) !== (n.feeders === undefined), {
    message: 'give either file or feeders',
    path: ['feeders'],
  })

export type NetworkSection = z.output<typeof networkSection>
