import { multiaddr } from '@multiformats/multiaddr'
import { GridletError } from '../../src/core/errors.js'
import type { MarketNode } from '../../src/p2p/createMarketNode.js'

/**
 * Dials, from each hosted household's p2p node, the households at distance 1, 2, 4, ... below it (mod n, up to
 * `degree`): a ring plus chords, connected with a small diameter. Then waits (up to `timeoutMs` real) until each
 * node has a gossip mesh of at least min(2, n - 1) peers and one bound household.
 *
 * @example
 * await connectMesh(hosted, peers, { degree: 4, households: 20, timeoutMs: 60_000 })
 */
export async function connectMesh(
  hosted: readonly { readonly h: number; readonly node: MarketNode }[],
  peers: readonly { readonly h: number; readonly addr: string }[],
  opts: { readonly degree: number; readonly households: number; readonly timeoutMs: number },
): Promise<void> {
  const byH = new Map(peers.map((p) => [p.h, p.addr]))
  const n = peers.length
  await Promise.all(
    hosted.map(async (r) => {
      const targets = new Set<number>()
      for (let d = 1; targets.size < Math.min(opts.degree, n - 1) && d < n; d *= 2) targets.add((r.h - d + n) % n)
      for (const t of targets) await dial(r.node, byH.get(t) as string)
    }),
  )
  const until = Date.now() + opts.timeoutMs
  const want = Math.min(2, opts.households - 1)
  const ok = (node: MarketNode) => node.stats().meshPeers >= want && node.stats().boundPeers >= 1
  while (Date.now() < until) {
    if (hosted.every((r) => ok(r.node))) return
    await new Promise((res) => setTimeout(res, 100))
  }
  throw new GridletError('gossip mesh not formed', {
    code: 'SIM_NETWORK_MESH',
    details: hosted.map((r) => r.node.stats().meshPeers).join(','),
  })
}

async function dial(from: MarketNode, addr: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await from.libp2p.dial(multiaddr(addr))
      return
    } catch (err) {
      if (attempt >= 4) throw err
      await new Promise((res) => setTimeout(res, 200 * attempt))
    }
  }
}
