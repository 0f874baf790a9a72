import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { byteCounter } from './byteCounter.js'
import { createLibp2pNode, type GridletLibp2p } from './createLibp2pNode.js'

const PROTOCOL = '/gridlet/test/sink/1'
const MESSAGES = 100

/**
 * Two real libp2p nodes on loopback (createLibp2pNode installs the window-update hysteresis): a sender writes 100
 * small frames on one long-lived stream, as gossip does, and counts the bytes that come back. Without the
 * hysteresis each frame is answered by a window update (12 bytes, ~30 on the wire once encrypted).
 */
describe('yamux window updates at half the window', () => {
  let receiver: GridletLibp2p
  let sender: GridletLibp2p
  const senderBytes = byteCounter()
  let received = 0
  beforeAll(async () => {
    receiver = await createLibp2pNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      scoredTopics: [],
    })
    sender = await createLibp2pNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      scoredTopics: [],
      metrics: senderBytes.metrics,
    })
    await Promise.all([receiver.start(), sender.start()])
    await receiver.handle(PROTOCOL, async (stream: Stream) => {
      for await (const chunk of stream) received += chunk.byteLength
    })
  })
  afterAll(() => Promise.all([receiver?.stop(), sender?.stop()]))

  it('does not answer every small frame of a stream with a window update', async () => {
    const stream = await sender.dialProtocol(receiver.getMultiaddrs()[0]!, PROTOCOL)
    await new Promise((r) => setTimeout(r, 300))
    const before = senderBytes.counts.received
    for (let i = 0; i < MESSAGES; i++) {
      stream.send(new Uint8Array(200).fill(i))
      await new Promise((r) => setTimeout(r, 2))
    }
    const until = Date.now() + 5000
    while (received < MESSAGES * 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 200))
    expect(received).toBe(MESSAGES * 200)
    // 100 updates would be ~3,000 bytes; a few stray control frames (identify, ping) are allowed.
    expect(senderBytes.counts.received - before).toBeLessThan(MESSAGES * 10)
  })
})
