import { type CompiledNetwork, compileNetwork, type GridNetwork, generateNetwork } from '../../src/core/grid/index.js'
import { loadNetworkFile } from './loadNetwork.js'
import type { NetworkSection } from './networkSection.js'

/**
 * The network of a scenario with `households` households, compiled, its households named "0".."n-1" in community
 * order: generated from the counts, or read from the file with household h at the bus of the file's household
 * `h mod L` (so a file with 5 connection points can carry 60 homes).
 *
 * @example
 * const c = scenarioNetwork({ feeders: 3, segmentM: 30, ... }, 60)
 */
export function scenarioNetwork(section: NetworkSection, households: number): CompiledNetwork {
  if (section.file === undefined) {
    return compileNetwork(
      generateNetwork({
        households,
        feeders: section.feeders ?? 1,
        segmentM: section.segmentM,
        ...(section.transformerKva === undefined ? {} : { transformerKva: section.transformerKva }),
        ...(section.cable === undefined ? {} : { cable: section.cable }),
        ...(section.voltagePu === undefined ? {} : { voltagePu: section.voltagePu }),
      }),
    )
  }
  const file = loadNetworkFile(section.file).network
  // Compile the file as given first, so an error names the file's own elements.
  const points = compileNetwork(file).network.households
  const net: GridNetwork = {
    ...file,
    households: Array.from({ length: households }, (_, h) => ({ id: String(h), bus: points[h % points.length]!.bus })),
  }
  return compileNetwork(net)
}
