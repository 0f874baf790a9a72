/** A node whose market timing differs from the settlement contract's refuses to start, with a typed error. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { parseConfig } from '../../src/config/loadConfig.js'
import { startNode } from '../../src/node/startNode.js'

let dev: DevChain
beforeAll(async () => {
  dev = await startDevChain({ households: 1 }) // 900 s intervals, gate closure 60 s
})
afterAll(async () => dev?.stop())

it('stops at start with CHAIN_TIMING_MISMATCH naming market.intervalS instead of waiting on TooEarly', async () => {
  const config = parseConfig(
    {
      market: { id: dev.market, chainId: dev.chainId, contract: dev.settlement, intervalS: 300, gateClosureS: 60 },
      meter: { kind: 'simulated' },
      p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false },
      chain: { rpcUrl: dev.rpcUrl },
      http: { port: 0 },
      store: { path: 'node.sqlite' },
    },
    mkdtempSync(join(tmpdir(), 'gridlet-timing-')),
  )
  const err = await startNode({
    config,
    privateKey: dev.households[0]!.privateKey,
    logger: pino({ level: 'silent' }),
  }).catch((e) => e)
  expect(err).toMatchObject({ code: 'CHAIN_TIMING_MISMATCH', field: 'market.intervalS' })
  expect(err.shortMessage).toMatch(/300 s.*intervalLength is 900 s/)
})
