import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { GridletError } from '../core/errors.js'
import { marketTime } from '../core/time/interval.js'
import { loadMarketGrid } from './loadMarketGrid.js'
import { configSchema, type NodeConfig, registryConfirmationsOf } from './schema.js'

/** A validated config plus where it came from; file paths inside it are absolute. */
export interface LoadedConfig extends NodeConfig {
  /** Directory of the config file: relative paths in it are resolved against this. */
  readonly baseDir: string
  /** The chain section with the registry confirmation depth resolved (0 on a dev chain, 2 elsewhere). */
  readonly chain: NodeConfig['chain'] & { readonly registryConfirmations: number }
}

/**
 * Validates a parsed config object. Throws a `GridletError` with code `CONFIG_INVALID` whose `field` is the dotted
 * path of the first bad setting (e.g. `market.intervalS`).
 *
 * @example
 * const config = parseConfig({ market: { intervalS: 300 } }, '/etc/gridlet')
 */
export function parseConfig(raw: unknown, baseDir: string): LoadedConfig {
  const result = configSchema.safeParse(raw ?? {})
  if (!result.success) throw configError(result.error)
  const c = result.data
  try {
    marketTime({ lengthS: c.market.intervalS, gateClosureS: c.market.gateClosureS, maxSkewS: c.market.maxSkewS })
  } catch (err) {
    const e = err as GridletError
    const field = { lengthS: 'intervalS', gateClosureS: 'gateClosureS', maxSkewS: 'maxSkewS' }[e.field ?? 'lengthS']
    throw new GridletError(e.shortMessage, { code: 'CONFIG_INVALID', field: `market.${field}`, details: e.details })
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p))
  const grid = c.market.grid && { ...c.market.grid, network: abs(c.market.grid.network) }
  // Read now: a bad network file or connection point stops the node at its config, not at its first clearing.
  if (grid) loadMarketGrid(grid, c.market.intervalS)
  return {
    ...c,
    ...(grid ? { market: { ...c.market, grid } } : {}),
    baseDir,
    chain: { ...c.chain, registryConfirmations: registryConfirmationsOf(c.market, c.chain) },
    keystore: abs(c.keystore),
    store: { ...c.store, path: c.store.path === ':memory:' ? c.store.path : abs(c.store.path) },
  }
}

/** Reads and validates a YAML config file; the error names the file and the field. */
export function loadConfig(path: string): LoadedConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new GridletError(`cannot read config file ${path}`, { code: 'CONFIG_READ', cause })
  }
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (cause) {
    throw new GridletError(`config file ${path} is not valid YAML`, {
      code: 'CONFIG_YAML',
      details: (cause as Error).message,
      cause,
    })
  }
  return parseConfig(raw, dirname(resolve(path)))
}

function configError(error: z.ZodError): GridletError {
  const issue = error.issues[0]!
  const path = [...issue.path.map(String)]
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]!)
  const field = path.join('.') || '(root)'
  return new GridletError(`invalid config: ${field}: ${issue.message}`, {
    code: 'CONFIG_INVALID',
    field,
    details: error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
  })
}
