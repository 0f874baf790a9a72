import { generateKeyPair } from '@libp2p/crypto/keys'
import { type Hex, keccak256, numberToHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { marketTopic, setHash } from '../core/protocol/index.js'
import { createLibp2pNode, type GridletLibp2p } from './createLibp2pNode.js'
import { checkSetIds, sortIds } from './digest.js'
import { type ReconcileLimits, requestReconcile, serveReconcile } from './reconcile.js'

const market = `0x${'ab'.repeat(32)}` as Hex

/** Two real libp2p nodes on loopback; `server` serves a frozen set of 5,000 ids (far beyond what a digest lists). */
describe('/gridlet/reconcile/1.0.0 set requests', () => {
  const big = sortIds(Array.from({ length: 5000 }, (_, i) => keccak256(numberToHex(i))))
  const bigHash = setHash(big)
  const limits: ReconcileLimits = { maxIds: 8000 }
  let server: GridletLibp2p
  let client: GridletLibp2p
  beforeAll(async () => {
    const node = async () =>
      createLibp2pNode({
        privateKey: await generateKeyPair('Ed25519'),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        scoredTopics: [marketTopic(market)],
      })
    server = await node()
    client = await node()
    await Promise.all([server.start(), client.start()])
    await serveReconcile(server, {
      market,
      limits,
      allowed: () => true,
      store: {
        message: () => undefined,
        clearedIds: () => undefined,
        setIds: (k, hash) => (k === 7n && hash === bigHash ? big : undefined),
        results: () => [],
      },
    })
    await client.dial(server.getMultiaddrs()[0]!)
  })
  afterAll(() => Promise.all([server?.stop(), client?.stop()]))

  const ask = (interval: bigint, hash: Hex) =>
    requestReconcile(client, server.peerId, { market, interval, ids: [], setHash: hash }, limits, {
      signal: AbortSignal.timeout(5000),
    })

  it('returns the ids of a known set, which check against the hash the digest signed', async () => {
    const reply = await ask(7n, bigHash)
    expect(reply.setIds).toHaveLength(5000)
    expect(checkSetIds(reply.setIds!, bigHash)).toEqual(big)
  })

  it('refuses a response larger than the asker allows, as soon as its length prefix arrives', async () => {
    const small = { maxIds: 10 }
    const req = { market, interval: 7n, ids: [], setHash: bigHash }
    await expect(
      requestReconcile(client, server.peerId, req, small, { signal: AbortSignal.timeout(5000) }),
    ).rejects.toMatchObject({ code: 'FRAME_TOO_LARGE' })
  })

  it('returns no ids for a set the peer does not know (another hash or interval)', async () => {
    expect((await ask(7n, keccak256('0x01'))).setIds).toEqual([])
    expect((await ask(8n, bigHash)).setIds).toEqual([])
  })
})
