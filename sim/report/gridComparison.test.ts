import { describe, expect, it } from 'vitest'
import { compileNetwork, generateNetwork } from '../../src/core/grid/index.js'
import { type GridComparisonRow, type GridKpis, type GridOutcome, runGrid } from '../grid/gridImpact.js'
import { comparisonRows, renderGridSection } from './gridSection.js'

const c = compileNetwork(generateNetwork({ households: 4, feeders: 2 }))
const { kpis, detail } = runGrid(
  c,
  { data: Int32Array.of(100, -2000, 300, 400), stride: 1, base: 0 },
  { T: 1, intervalS: 1800, voltageBand: { min: 0.9, max: 1.1 }, powerFactor: 1 },
)
const at = (over: Partial<GridKpis>): GridKpis => ({ ...kpis, ...over })
const rows: GridComparisonRow[] = [
  { run: 'grid-only', kpis: at({ transformerOverloadHours: 110 }), marketKwh: 0, householdCost: -700 },
  { run: 'unconstrained', kpis: at({ transformerOverloadHours: 110.5 }), marketKwh: 1286, householdCost: -900 },
  {
    run: 'capacity-aware',
    kpis: at({ transformerOverloadHours: 0 }),
    marketKwh: 1286,
    householdCost: 80,
    envelope: { curtailedKwh: 13_645.6, curtailedPct: 31.7, curtailingHouseholds: 44, importOverKwh: 772.4 },
  },
]
const grid: GridOutcome = {
  network: c.network,
  voltageBand: { min: 0.9, max: 1.1 },
  gridOnly: kpis,
  withMarket: kpis,
  sameInjections: false,
  detail,
  envelope: rows[2]!.envelope!,
  comparison: rows,
}

describe('the grid section with a three-run comparison', () => {
  it('tabulates every run side by side, curtailment and cost included', () => {
    const table = Object.fromEntries(comparisonRows(rows).map(([label, ...v]) => [label, v]))
    expect(table['transformer overload hours']).toEqual(['110.0', '110.5', '0.0'])
    expect(table['PV curtailed, kWh']).toEqual(['0.0', '0.0', '13645.6'])
    expect(table["households' total cost (delivered meters), tokens"]).toEqual(['-700', '-900', '80'])
    const { html } = renderGridSection(grid, 0, 1_800_000)
    expect(html).toContain(
      '<table id="grid-comparison"><tr><th></th><th>grid-only</th><th>unconstrained</th><th>capacity-aware</th></tr>',
    )
    expect(html).toContain('PV curtailed: 13645.6 kWh (31.7 % of generation, 44 households)')
    const { html: plain } = renderGridSection({ ...grid, comparison: undefined, envelope: undefined }, 0, 1_800_000)
    expect(plain).not.toContain('grid-comparison')
    expect(plain).not.toContain('grid-envelope')
  })
})
