import { MIGRATIONS } from './migrations.js'
import { NodeStore } from './nodeStore.js'
import type { ExternalSchema } from './openStore.js'
import { openDatabase } from './openStore.js'

export { MIGRATIONS } from './migrations.js'
export * from './nodeStore.js'
export type { ExternalSchema, Migration } from './openStore.js'
export { migrate, openDatabase, transaction } from './openStore.js'

/**
 * Opens the node's store at `path` with all migrations, including those of external components (the settlement
 * outbox), applied.
 *
 * @example
 * const store = openStore('/var/lib/gridlet/gridlet.sqlite', [batcher])
 */
export function openStore(path: string, external: readonly ExternalSchema[] = []): NodeStore {
  return new NodeStore(openDatabase(path, MIGRATIONS, external))
}
