/**
 * A node whose grid fees do not fit the settlement contract refuses to start with a typed error naming the field:
 * otherwise every root it agrees on differs from what the contract recomputes, and nothing would ever settle.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { parseConfig } from '../../src/config/loadConfig.js'
import { generateNetwork } from '../../src/core/grid/index.js'
import { startNode } from '../../src/node/startNode.js'

const RECIPIENT = '0x00000000000000000000000000000000000000D5'
const OTHER = '0x00000000000000000000000000000000000000E6'

let fee: DevChain
let plain: DevChain
beforeAll(async () => {
  ;[fee, plain] = await Promise.all([
    startDevChain({ households: 1, fees: { recipient: RECIPIENT, maxFeePerWh: 10n } }),
    startDevChain({ households: 1 }),
  ])
})
afterAll(async () => Promise.all([fee?.stop(), plain?.stop()]))

function start(dev: DevChain, grid?: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-fees-'))
  writeFileSync(join(dir, 'net.json'), JSON.stringify(generateNetwork({ households: 6, feeders: 2 })))
  const config = parseConfig(
    {
      market: {
        id: dev.market,
        chainId: dev.chainId,
        contract: dev.settlement,
        ...(grid && { grid: { network: 'net.json', ...grid } }),
      },
      meter: { kind: 'simulated' },
      p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false },
      chain: { rpcUrl: dev.rpcUrl },
      http: { port: 0 },
      store: { path: 'node.sqlite' },
    },
    dir,
  )
  return startNode({ config, privateKey: dev.households[0]!.privateKey, logger: pino({ level: 'silent' }) }).catch(
    (e) => e,
  )
}

describe('fee check at start', () => {
  it('stops with CHAIN_FEE_MISMATCH naming market.grid.feeRecipient when the recipient differs', async () => {
    const err = await start(fee, { feeRecipient: OTHER, fees: [1, 2, 3] })
    expect(err).toMatchObject({ code: 'CHAIN_FEE_MISMATCH', field: 'market.grid.feeRecipient' })
    expect(err.shortMessage).toMatch(/0x0+E6.*fee recipient is 0x0+D5/i)
  })

  it('stops on a plain contract with a grid config, and on a fee contract without one', async () => {
    const grid = await start(plain, { feeRecipient: RECIPIENT })
    expect(grid).toMatchObject({ code: 'CHAIN_FEE_MISMATCH', field: 'market.grid.feeRecipient' })
    const none = await start(fee)
    expect(none).toMatchObject({ code: 'CHAIN_FEE_MISMATCH', field: 'market.grid.feeRecipient' })
  })

  it('stops naming market.grid.fees[i] when a fee per Wh is above the contract maximum', async () => {
    const err = await start(fee, { feeRecipient: RECIPIENT, fees: [1, 5, 11] })
    expect(err).toMatchObject({ code: 'CHAIN_FEE_MISMATCH', field: 'market.grid.fees[2]' })
  })
})
