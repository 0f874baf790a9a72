import { GridletError } from '../core/errors.js'
import type { Settlement } from './ports.js'

/** Settlement that accepts nothing: with `chain.submit: none` a node never hands a batch over. */
export function noSettlement(): Settlement {
  return {
    migrate() {},
    enqueue() {
      throw new GridletError('settlement is disabled (chain.submit: none)', {
        code: 'NODE_SETTLEMENT_DISABLED',
        field: 'chain.submit',
      })
    },
    start() {},
    async stop() {},
    backlog: () => ({ pending: 0, oldestAgeMs: 0 }),
  }
}
