/**
 * The settlement attack catalogue (test/chain/attacks.ts) against a real anvil: each attack must be refused with
 * its custom error. The same catalogue runs as `npm run audit:settlement`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ATTACKS } from './attacks.js'
import { type AuditContext, startAuditContext } from './auditContext.js'

let ctx: AuditContext
beforeAll(async () => {
  ctx = await startAuditContext()
})
afterAll(async () => ctx?.stop())

describe('attacks on settlement: each is refused with its custom error', () => {
  for (const attack of ATTACKS) {
    it(attack.name, async () => {
      const outcome = await attack.run(ctx)
      expect({ refused: outcome.refused, error: outcome.error }).toEqual({ refused: true, error: attack.expected })
    })
  }
})
