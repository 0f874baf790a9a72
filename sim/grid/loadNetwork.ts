import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { GridletError } from '../../src/core/errors.js'
import { type GridNetwork, parseNetwork } from '../../src/core/grid/index.js'

/** Directory of the shipped standard networks (see its README.md). */
export const NETWORKS_DIR = join(import.meta.dirname, 'networks')

/** The shipped networks by file name. */
export const SHIPPED_NETWORKS = ['cigre-lv-residential.json'] as const

/** A network file: the network, and the loads its source publishes for its reference case (if any). */
export interface NetworkFile {
  readonly network: GridNetwork
  readonly referenceLoads: readonly { readonly bus: string; readonly pW: number; readonly qVar: number }[]
}

/**
 * Reads and validates a network file (.json, .yaml or .yml); a relative path is looked up in the working directory,
 * then among the shipped networks.
 *
 * @example
 * const { network } = loadNetworkFile('cigre-lv-residential.json')
 */
export function loadNetworkFile(path: string): NetworkFile {
  let raw: { referenceLoads?: NetworkFile['referenceLoads'] }
  const candidates = path.startsWith('/') ? [path] : [path, join(NETWORKS_DIR, path)]
  const found = candidates.find((p) => {
    try {
      readFileSync(p)
      return true
    } catch {
      return false
    }
  })
  try {
    const text = readFileSync(found ?? path, 'utf8')
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (cause) {
    throw new GridletError(`cannot read network ${path}`, { code: 'SIM_NETWORK_FILE', field: 'network.file', cause })
  }
  return { network: parseNetwork(raw), referenceLoads: raw.referenceLoads ?? [] }
}
