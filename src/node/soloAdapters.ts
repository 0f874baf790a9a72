import type { Settlement } from './ports.js'

/** Settlement that accepts nothing: with `chain.submit: none` a node never hands a batch over. */
export function noSettlement(): Settlement {
  return {
    migrate() {},
    enqueue() {
      throw new Error('settlement disabled')
    },
    start() {},
    async stop() {},
    backlog: () => ({ pending: 0, oldestAgeMs: 0 }),
  }
}
