/**
 * `gridlet envelope publish` end to end: three real nodes (startNode: libp2p on loopback, their HTTP servers), the
 * grid operator's CLI signs an envelope with its keystore and POSTs it to node 0, which gossips it; nodes 1 and 2
 * accept it and hold it in force. A forged or tampered envelope is refused with 403 and the named error before it
 * reaches the gossip; a late one with the p2p rule's error.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import pino from 'pino'
import type { Registry } from 'prom-client'
import { type Address, type Hex, keccak256, stringToHex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { freePort } from '../../src/chain/anvil.js'
import { parseConfig } from '../../src/config/loadConfig.js'
import { signEnvelope } from '../../src/core/market/operatingEnvelope.js'
import { intervalAt, marketTime } from '../../src/core/time/interval.js'
import { envelopeToJson, parseEnvelopeJson } from '../../src/http/envelopeJson.js'
import { DEFAULT_SCRYPT, encryptKeystore } from '../../src/keystore/keystore.js'
import { writeKeystoreFile } from '../../src/keystore/keystoreFile.js'
import { marketDomainOf, type RunningNode, startNode } from '../../src/node/startNode.js'
import { accountOf } from '../../src/p2p/accountSig.js'
import { derivePeerKey } from '../../src/p2p/createMarketNode.js'
import { gridlet } from '../cli/harness.js'

const OPERATOR_KEY = generatePrivateKey()
const KEYS = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()]
const TIME = marketTime({ lengthS: 60, gateClosureS: 10, maxSkewS: 1 })
const NAME = 'envelope street'

/** A street of two feeders (40 A head cables): feeder-a carries m0 and m1, feeder-b m2. */
const NETWORK = {
  name: 'two-feeder street',
  voltageKv: 0.4,
  transformer: { id: 'T1', bus: 'busbar', ratingKva: 100, vscPercent: 4, vscrPercent: 1 },
  buses: ['busbar', 'a1', 'a2', 'b1'].map((id) => ({ id })),
  lines: [
    { id: 'feeder-a', from: 'busbar', to: 'a1', lengthM: 60, rOhmPerKm: 0.206, xOhmPerKm: 0.08, ampacityA: 40 },
    { id: 'a1-a2', from: 'a1', to: 'a2', lengthM: 60, rOhmPerKm: 0.206, xOhmPerKm: 0.08, ampacityA: 40 },
    { id: 'feeder-b', from: 'busbar', to: 'b1', lengthM: 60, rOhmPerKm: 0.206, xOhmPerKm: 0.08, ampacityA: 40 },
  ],
  households: ['a1', 'a2', 'b1'].map((bus, i) => ({ id: `m${i}`, bus })),
}

describe('gridlet envelope publish to a running node', () => {
  const nodes: RunningNode[] = []
  let dir: string
  let configPath: string
  const pass = () => join(dir, 'pass')
  const metric = async (r: Registry, name: string, labels: Record<string, string>) =>
    (await r.getSingleMetric(name)!.get()).values.find((v) =>
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
    )?.value ?? 0
  const accepted = (n: RunningNode, code = 'ACCEPTED') =>
    metric(n.registry, 'gridlet_p2p_gossip_validation_total', { topic: 'envelopes', code })
  const publish = (k: bigint, node: number, extra: string[] = [], keystore = join(dir, 'operator.json')) =>
    gridlet([
      ...['envelope', 'publish', '-c', configPath, '--interval', `${k}`, '--node', nodes[node]!.http.url],
      ...['--keystore', keystore, '--passphrase-file', pass()],
      ...(extra.length ? extra : ['--feeder', 'feeder-a=5:2', '--transformer', '50']),
    ])

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridlet-envelope-'))
    writeFileSync(join(dir, 'street.yaml'), stringify(NETWORK))
    writeFileSync(pass(), 'operator passphrase\n')
    const ks = (key: Hex) => encryptKeystore(key, 'operator passphrase', { ...DEFAULT_SCRYPT, n: 4096 })
    writeKeystoreFile(join(dir, 'operator.json'), ks(OPERATOR_KEY))
    writeKeystoreFile(join(dir, 'other.json'), ks(generatePrivateKey()))
    const accounts = KEYS.map((k) => accountOf(k))
    const ports = [await freePort(), await freePort(), await freePort()]
    const boot = `/ip4/127.0.0.1/tcp/${ports[0]}/p2p/${peerIdFromPrivateKey(await derivePeerKey(KEYS[0]!))}`
    for (let i = 0; i < 3; i++) {
      const raw = {
        market: {
          name: NAME,
          intervalS: TIME.lengthS,
          gateClosureS: TIME.gateClosureS,
          maxSkewS: TIME.maxSkewS,
          households: accounts,
          grid: {
            network: join(dir, 'street.yaml'),
            feeRecipient: '0x00000000000000000000000000000000000000d5',
            operator: accountOf(OPERATOR_KEY),
            connections: Object.fromEntries(accounts.map((a, j) => [a, `m${j}`])) as Record<Address, string>,
          },
        },
        meter: { kind: 'simulated' },
        p2p: { listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`], bootstrap: i === 0 ? [] : [boot], mdns: false },
        chain: { submit: 'none' },
        http: { port: 0 },
        store: { path: `node${i}.sqlite` },
      }
      if (i === 0) {
        configPath = join(dir, 'gridlet.yaml')
        writeFileSync(configPath, stringify(raw))
      }
      nodes.push(
        await startNode({ config: parseConfig(raw, dir), privateKey: KEYS[i]!, logger: pino({ level: 'silent' }) }),
      )
    }
    const end = Date.now() + 20_000
    while (nodes.some((n) => n.node.snapshot().peers < (n === nodes[0] ? 2 : 1))) {
      if (Date.now() > end) throw new Error('the nodes never connected')
      await new Promise((r) => setTimeout(r, 100))
    }
  }, 60_000)
  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()))
  })

  it("signs the flags' limits with the operator key; node 0 gossips them and both peers hold them in force", async () => {
    const k = BigInt(intervalAt(TIME, Date.now())) + 3n
    const dry = await publish(k, 0, ['--feeder', 'feeder-a=5:2', '--transformer', '50', '--dry-run'])
    expect(dry.code).toBe(0)
    const signed = parseEnvelopeJson(dry.out)
    // 5 kW import and 2 kW export over 60 s: 83 and 33 Wh; feeder-b keeps its rating; 50 kW: 833 Wh.
    expect(signed.envelope).toMatchObject({
      market: keccak256(stringToHex(NAME)),
      interval: k,
      transformerImportWh: [833n],
      transformerExportWh: [833n],
    })
    expect(signed.envelope.feederImportWh[0]).toBe(83n)
    expect(signed.envelope.feederExportWh[0]).toBe(33n)
    expect(signed.envelope.feederImportWh[1]).toBe(461n) // sqrt(3) x 400 V x 40 A over 60 s

    // The CLI retries while the gossip mesh is still forming (503 NODE_ENVELOPE_NO_PEERS).
    let run = await publish(k, 0)
    for (let i = 0; i < 40 && /NODE_ENVELOPE_NO_PEERS/.test(run.err); i++) {
      await new Promise((r) => setTimeout(r, 250))
      run = await publish(k, 0)
    }
    expect(run).toMatchObject({ code: 0 })
    expect(run.out).toMatch(new RegExp(`envelope for interval ${k} published`))
    const end = Date.now() + 15_000
    while ((await accepted(nodes[1]!)) < 1 || (await accepted(nodes[2]!)) < 1) {
      if (Date.now() > end) throw new Error('the peers never accepted the envelope')
      await new Promise((r) => setTimeout(r, 100))
    }
    // Each peer holds exactly this envelope for k: handed the same one, it answers that it is in force already.
    for (const i of [1, 2]) {
      const again = await publish(k, i)
      expect(again).toMatchObject({ code: 0 })
      expect(again.out).toMatch(/already in force/)
    }
  })

  it('refuses a forged or tampered envelope with 403 NODE_ENVELOPE_FORBIDDEN before it reaches the gossip', async () => {
    const k = BigInt(intervalAt(TIME, Date.now())) + 4n
    // The CLI itself refuses a keystore that is not the operator's.
    const wrongKey = await publish(k, 0, [], join(dir, 'other.json'))
    expect(wrongKey.code).toBe(2)
    expect(wrongKey.err).toMatch(/is not the grid operator/)
    // Sent anyway (another tool, an attacker on the gateway): the node refuses it.
    const real = parseEnvelopeJson((await publish(k, 0, ['--feeder', 'feeder-b=7', '--dry-run'])).out)
    const forged = envelopeToJson(
      signEnvelope(generatePrivateKey(), marketDomainOf(parseConfig({}, dir)), real.envelope),
    )
    const tampered = envelopeToJson({ ...real, envelope: { ...real.envelope, feederImportWh: [1n, 1n] } })
    for (const body of [forged, tampered]) {
      const res = await fetch(`${nodes[0]!.http.url}/api/envelope`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ error: 'NODE_ENVELOPE_FORBIDDEN', field: 'signature' })
    }
    const refused = await metric(nodes[0]!.registry, 'gridlet_http_envelope_requests_total', {
      outcome: 'NODE_ENVELOPE_FORBIDDEN',
    })
    expect(refused).toBe(2)
    await new Promise((r) => setTimeout(r, 500))
    for (const n of nodes.slice(1)) expect(await accepted(n, 'NOT_OPERATOR')).toBe(0) // never gossiped
  })

  it('refuses an envelope for an interval past its deadline with P2P_ENVELOPE_LATE', async () => {
    const late = await publish(BigInt(intervalAt(TIME, Date.now())), 0)
    expect(late.code).toBe(2)
    expect(late.err).toMatch(/refused the envelope: P2P_ENVELOPE_LATE/)
  })
})
