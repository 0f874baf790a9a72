/**
 * `npm run eval:powerflow`: gridlet's power flow (src/core/grid/powerFlow.ts) against pandapower's runpp, the
 * independent peer, on the shipped standard networks (at their reference loads) and on random radial networks
 * (sim/grid/randomNetwork.ts). Per network: the largest bus voltage difference (% of nominal), the largest line or
 * transformer loading difference (percentage points), and the median time of one solve on each side, both measured
 * in-process (pandapower's Python start-up is not timed). Targets: maxVoltageDiffPct <= 0.1 and ms <= pandapowerMs.
 * `--json`: one line per network. Skips with a reason when pandapower is not installed (fails under CI=true).
 */
import { comparePandapower, type PowerFlowCase } from '../sim/grid/comparePandapower.js'
import { loadNetworkFile, SHIPPED_NETWORKS } from '../sim/grid/loadNetwork.js'
import { randomCase } from '../sim/grid/randomNetwork.js'
import { havePeers, PIP_PYTHON } from '../test/support/peers.js'
import { jsonOutput, report } from './args.js'

if (!havePeers('pandapower')) process.exit(0)

const cases: PowerFlowCase[] = SHIPPED_NETWORKS.map((file) => {
  const { network, referenceLoads } = loadNetworkFile(file)
  const at = (bus: string) => referenceLoads.find((r) => r.bus === bus)
  return {
    network,
    householdW: network.households.map((h) => at(h.bus)?.pW ?? 0),
    householdVar: network.households.map((h) => at(h.bus)?.qVar ?? 0),
  }
})
for (const [seed, buses] of [
  [1, 10],
  [2, 50],
  [3, 100],
  [4, 200],
  [5, 400],
] as const)
  cases.push(randomCase(seed, buses))

const rows = await comparePandapower({ python: PIP_PYTHON }, cases)
report(
  rows.map((r) => ({
    bench: 'powerflow',
    network: r.network,
    buses: r.buses,
    maxVoltageDiffPct: Number(r.maxVoltageDiffPct.toPrecision(3)),
    maxLoadingDiffPct: Number(r.maxLoadingDiffPct.toPrecision(3)),
    minVoltagePu: Number(r.minVoltagePu.toFixed(4)),
    ms: Number(r.ms.toPrecision(3)),
    pandapowerMs: Number(r.pandapowerMs.toPrecision(3)),
    pandapower: r.pandapowerVersion,
  })),
)
const worst = Math.max(...rows.map((r) => r.maxVoltageDiffPct))
const slower = rows.filter((r) => r.ms > r.pandapowerMs).map((r) => r.network)
if (!jsonOutput)
  console.log(
    `max voltage difference ${worst.toPrecision(3)} % (target <= 0.1 %); gridlet slower than pandapower on: ${slower.join(', ') || 'none'}`,
  )
if (worst > 0.1 || slower.length > 0) process.exitCode = 1
