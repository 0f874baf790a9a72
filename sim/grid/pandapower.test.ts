import { describe, expect, it } from 'vitest'
import { havePeers, PIP_PYTHON } from '../../test/support/peers.js'
import { comparePandapower } from './comparePandapower.js'
import { loadNetworkFile } from './loadNetwork.js'
import { randomCase } from './randomNetwork.js'

describe.skipIf(!havePeers('pandapower'))('power flow against pandapower (independent peer)', () => {
  it('agrees within 0.1 % on voltage and 0.1 points on loading: CIGRE LV and random radial networks', async () => {
    const { network, referenceLoads } = loadNetworkFile('cigre-lv-residential.json')
    const at = (bus: string) => referenceLoads.find((r) => r.bus === bus)!
    const rows = await comparePandapower(
      { python: PIP_PYTHON },
      [
        {
          network,
          householdW: network.households.map((h) => at(h.bus).pW),
          householdVar: network.households.map((h) => at(h.bus).qVar),
        },
        randomCase(11, 20),
        randomCase(12, 60),
        randomCase(13, 150),
      ],
      1,
    )
    for (const r of rows) {
      expect(r.maxVoltageDiffPct, r.network).toBeLessThan(0.1)
      expect(r.maxLoadingDiffPct, r.network).toBeLessThan(0.1)
      expect(r.lossesDiffPct, r.network).toBeLessThan(0.1)
    }
    // The reference case is loaded: its far end sags by several per cent, so the comparison is not trivial.
    expect(rows[0]!.minVoltagePu).toBeLessThan(0.95)
  }, 180_000)
})
