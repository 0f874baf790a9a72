import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Address, createPublicClient, createTestClient, getAddress, http } from 'viem'
import { getTransactionCount, mine, readContract, setAutomine } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { settlementAbi } from '../../src/chain/contracts.js'
import { loadMarketFile } from '../../src/chain/marketFile.js'
import { keystoreAddress } from '../../src/keystore/keystoreFile.js'
import { droppingProxy, gridlet, HOUSEHOLD_KEYS, type PilotChain, startPilotChain } from './harness.js'

/** Operator and household commands against anvil as an ordinary RPC endpoint, with their error paths. */
describe('gridlet market / escrow against anvil', { timeout: 60_000 }, () => {
  let chain: PilotChain
  let dir: string
  let marketFile: string
  const key = (name: string) => join(dir, name, 'key.json')
  const households: Address[] = []
  const op = (...args: string[]) => [
    ...args,
    '-m',
    marketFile,
    '-k',
    key('operator'),
    '--passphrase-file',
    chain.passFile,
    '--poll-ms',
    '20',
  ]
  const hh = (i: number, ...args: string[]) => [
    ...args,
    '-m',
    marketFile,
    '-k',
    key(`h${i}`),
    '--passphrase-file',
    chain.passFile,
    '--poll-ms',
    '20',
  ]
  /** `market deploy` of a market `name` into `out` with the operator key, before the passphrase options. */
  const deploy = (name: string, out: string, ...extra: string[]) => [
    'market',
    'deploy',
    '--rpc',
    chain.anvil.rpcUrl,
    '--token',
    chain.token,
    '--name',
    name,
    '--out',
    out,
    '-k',
    key('operator'),
    '--poll-ms',
    '20',
    ...extra,
  ]
  const settlement = () => loadMarketFile(marketFile).contract
  const client = () => createPublicClient({ transport: http(chain.anvil.rpcUrl) })
  const balanceOf = (a: Address) =>
    readContract(client(), { address: settlement(), abi: settlementAbi, functionName: 'balanceOf', args: [a] })

  beforeAll(async () => {
    chain = await startPilotChain()
    dir = chain.dir
    marketFile = join(dir, 'market.json')
    const made = await gridlet([
      'key',
      'new',
      '-k',
      key('operator'),
      '--passphrase-file',
      chain.passFile,
      '--scrypt-n',
      '4096',
    ])
    expect(made.code, made.err).toBe(0)
    await chain.fund(keystoreAddress(key('operator')))
    for (const [i, pk] of HOUSEHOLD_KEYS.entries()) {
      writeFileSync(join(dir, `h${i + 1}.hex`), pk)
      const r = await gridlet([
        'key',
        'new',
        '-k',
        key(`h${i + 1}`),
        '--import-key-file',
        join(dir, `h${i + 1}.hex`),
        '--passphrase-file',
        chain.passFile,
        '--scrypt-n',
        '4096',
      ])
      expect(r.code, r.err).toBe(0)
      households.push(keystoreAddress(key(`h${i + 1}`)))
      await chain.mint(households[i]!, 500_000_000n)
    }
  })
  afterAll(() => chain?.stop())

  it('deploy: a wrong passphrase is refused; then the contract is deployed, its code verified, the market file written', async () => {
    writeFileSync(join(dir, 'wrong'), 'not the passphrase\n')
    const deployArgs = deploy('test-street', marketFile)
    const wrong = await gridlet([...deployArgs, '--passphrase-file', join(dir, 'wrong'), '--yes'])
    expect(wrong.code).toBe(2)
    expect(wrong.err).toMatch(/wrong keystore passphrase/)
    const missing = await gridlet([...deployArgs, '--passphrase-file', join(dir, 'no-such-file'), '--yes'])
    expect(missing.code).toBe(2)
    expect(missing.err).toContain(`cannot read the passphrase file ${join(dir, 'no-such-file')}`)
    expect(missing.err).toContain('ENOENT: write the passphrase on its first line')
    const declined = await gridlet([...deployArgs, '--passphrase-file', chain.passFile]) // no terminal, no --yes
    expect(declined.code).toBe(2)
    expect(declined.err).toMatch(/gas ≈ \d+/)
    expect(declined.err).toContain('nothing was sent')
    const ok = await gridlet([...deployArgs, '--passphrase-file', chain.passFile, '--yes'])
    expect(ok.code, ok.err).toBe(0)
    expect(ok.out).toContain('code verified against the artifact')
    const m = loadMarketFile(marketFile)
    expect(m.chainId).toBe(chain.anvil.chainId)
    expect(m.token).toEqual({ address: getAddress(chain.token), symbol: 'gEUR', decimals: 6 })
    expect(m.operator).toBe(keystoreAddress(key('operator')))
    expect(m.timing.withdrawalDelay).toBe(8 * 86_400)
    expect(m.nativeCurrency).toEqual({ symbol: 'ETH', decimals: 18 }) // anvil's chain 31337 pays gas in ETH
  })

  it('deploy a grid-fee market: --fee-recipient and --max-fee-per-wh go together, into the contract and the market file', async () => {
    const feeFile = join(dir, 'fee-market.json')
    const recipient = '0x00000000000000000000000000000000000000D5'
    const args = (...fees: string[]) =>
      deploy('fee-street', feeFile, '--passphrase-file', chain.passFile, '--yes', ...fees)
    const alone = await gridlet(args('--fee-recipient', recipient))
    expect(alone.code).toBe(2)
    expect(alone.err).toContain('--fee-recipient and --max-fee-per-wh go together')
    const zero = await gridlet(args('--fee-recipient', recipient, '--max-fee-per-wh', '0'))
    expect(zero.code).not.toBe(0)
    expect(zero.err).toContain('must be whole token units per Wh, 1 to 2^64 - 1')
    expect(existsSync(feeFile)).toBe(false)
    const ok = await gridlet(args('--fee-recipient', recipient, '--max-fee-per-wh', '40'))
    expect(ok.code, ok.err).toBe(0)
    expect(ok.out).toContain(`fees      to ${recipient}, at most 40 token units per Wh`)
    const m = loadMarketFile(feeFile)
    expect(m.fees).toEqual({ recipient, maxFeePerWh: '40' })
    const read = (functionName: 'feeRecipient' | 'maxFeePerWh') =>
      readContract(client(), { address: m.contract, abi: settlementAbi, functionName })
    expect([await read('feeRecipient'), await read('maxFeePerWh')]).toEqual([recipient, 40n])
  })

  it('register from a CSV: a dry run sends nothing; the batch registers each row once; a repeat sends nothing', async () => {
    const csv = join(dir, 'households.csv')
    writeFileSync(csv, `account,meter\n${households.map((a, i) => `${a},SDM630-000${i + 1}`).join('\n')}\n`)
    const dry = await gridlet(op('market', 'register', '--csv', csv, '--dry-run'))
    expect(dry.code, dry.err).toBe(0)
    expect(dry.out).toContain('dry run: 3 to register, 0 already registered, 0 conflicts; nothing sent')
    expect(
      await readContract(client(), { address: settlement(), abi: settlementAbi, functionName: 'householdCount' }),
    ).toBe(0)
    const reg = await gridlet(op('market', 'register', '--csv', csv, '--yes'))
    expect(reg.code, reg.err).toBe(0)
    expect(reg.out.match(/mined in block/g)).toHaveLength(3)
    // The batch is confirmed once, and each of its transactions still shows its own gas estimate.
    expect(reg.err).toMatch(/register 3 households: gas ≈ \d+ in 3 transactions/)
    expect(
      reg.err.match(/^register 0x[0-9a-fA-F]{40} \(meter SDM630-000\d\): gas ≈ \d+ \(limit \d+\), costs at most/gm),
    ).toHaveLength(3)
    const again = await gridlet(op('market', 'register', '--csv', csv, '--yes'))
    expect(again.code, again.err).toBe(0)
    expect(again.out.match(/already registered, nothing sent/g)).toHaveLength(3)
    expect(
      await readContract(client(), { address: settlement(), abi: settlementAbi, functionName: 'registeredCount' }),
    ).toBe(3)
    const list = await gridlet(['market', 'households', '-m', marketFile])
    expect(list.code, list.err).toBe(0)
    expect(list.out).toMatch(new RegExp(`^2\\s+${households[1]}\\s+SDM630-0002\\s+yes\\s+0 gEUR`, 'm'))
  })

  it('a non-operator cannot register: the contract error is said in words', async () => {
    const r = await gridlet(
      hh(1, 'market', 'register', '0x000000000000000000000000000000000000bEEF', '--meter', 'm9', '--yes'),
    )
    expect(r.code).toBe(2)
    expect(r.err).toContain(`account ${households[0]} does not hold the operator role of this market`)
    expect(r.err).not.toContain('Details: line 1') // one household: the sentence once, not again as a CSV line
  })

  it('a market file naming another chain is refused before anything is read or signed', async () => {
    const other = join(dir, 'other-chain.json')
    writeFileSync(other, JSON.stringify({ ...JSON.parse(readFileSync(marketFile, 'utf8')), chainId: 100 }))
    const r = await gridlet(['escrow', 'status', '-m', other, '-k', key('h1')])
    expect(r.code).toBe(2)
    expect(r.err).toContain(`serves chain ${chain.anvil.chainId}, the market is on chain 100`)
  })

  it('deposit in display units with the approval; the RPC dying after the send, then a retry, pays once', async () => {
    const d = await gridlet(hh(1, 'escrow', 'deposit', '100', '--yes'))
    expect(d.code, d.err).toBe(0)
    expect(d.out).toContain('allow the escrow to take 100 gEUR')
    expect(d.out).toContain('escrow balance 100 gEUR')
    expect(await balanceOf(households[0]!)).toBe(100_000_000n)

    const proxy = await droppingProxy(chain.anvil.rpcUrl, { pass: 1 }) // the approval passes, the deposit is cut
    try {
      const cut = await gridlet(hh(1, 'escrow', 'deposit', '50', '--yes', '--rpc', proxy.url))
      expect(cut.code).toBe(2)
      expect(cut.err).toContain('no answer from the RPC endpoint')
      expect(cut.err).toContain('run the same command again')
      expect(proxy.dropped).toBeGreaterThanOrEqual(1)
    } finally {
      await proxy.close()
    }
    expect(await balanceOf(households[0]!)).toBe(150_000_000n) // it did reach the chain
    const retry = await gridlet(hh(1, 'escrow', 'deposit', '50', '--yes'))
    expect(retry.code, retry.err).toBe(0)
    expect(retry.out).toContain('deposit 50 gEUR: done earlier')
    expect(retry.out).toContain('not sent again')
    expect(await balanceOf(households[0]!)).toBe(150_000_000n) // not twice
    const status = await gridlet(['escrow', 'status', '-m', marketFile, '-k', key('h1')])
    expect(status.out).toMatch(/balance\s+150 gEUR/)
    expect(await gridlet(hh(1, 'escrow', 'deposit', '1.0000001', '--yes'))).toMatchObject({ code: 2 })
  })

  it('withdraw: refused before the delay with the time it is ready, paid after it, and only once', async () => {
    const req = await gridlet(hh(1, 'escrow', 'withdraw-request', '30', '--yes'))
    expect(req.code, req.err).toBe(0)
    const status = await gridlet(['escrow', 'status', '-m', marketFile, '-k', key('h1')])
    expect(status.out).toMatch(/reserved\s+30 gEUR/)
    expect(status.out).toMatch(/available\s+120 gEUR/)
    expect(status.out).toMatch(/withdrawal\s+30 gEUR, ready at \d{4}-/)
    const repeat = await gridlet(hh(1, 'escrow', 'withdraw-request', '30', '--yes'))
    expect(repeat.out).toContain('already requested')
    const early = await gridlet(hh(1, 'escrow', 'withdraw', '--yes'))
    expect(early.code).toBe(2)
    expect(early.err).toMatch(/the withdrawal is not ready yet: it can be executed from \d{4}-/)
    await chain.increaseTime(8 * 86_400 + 1)
    const w = await gridlet(hh(1, 'escrow', 'withdraw', '--yes'))
    expect(w.code, w.err).toBe(0)
    expect(w.out).toContain('received 30 gEUR; escrow balance 120 gEUR')
    const twice = await gridlet(hh(1, 'escrow', 'withdraw', '--yes'))
    expect(twice.code).toBe(2)
    expect(twice.err).toContain('no withdrawal is requested')
  })

  it('rotate and remove: state-checked, so repeating them sends nothing; an account without gas is told so', async () => {
    const fresh = '0x00000000000000000000000000000000000F4e55'
    const rot = await gridlet(op('market', 'rotate', households[2]!, fresh, '--yes'))
    expect(rot.code, rot.err).toBe(0)
    expect((await gridlet(op('market', 'rotate', households[2]!, fresh, '--yes'))).out).toContain('already rotated')
    const rm = await gridlet(op('market', 'remove', fresh, '--yes'))
    expect(rm.code, rm.err).toBe(0)
    expect((await gridlet(op('market', 'remove', fresh, '--yes'))).out).toContain('not registered: nothing to do')
    const nokey = await gridlet(['market', 'remove', fresh, '-m', marketFile, '--yes'])
    expect(nokey.code).toBe(2)
    expect(nokey.err).toContain('no keystore: pass --keystore FILE (or set GRIDLET_KEYSTORE)')
    const list = await gridlet(['market', 'households', '-m', marketFile])
    expect(list.out).toMatch(/^4\s+0x00000000000000000000000000000000000F4e55\s+-\s+no/im)

    writeFileSync(join(dir, 'poor.hex'), '0x1111111111111111111111111111111111111111111111111111111111111111')
    await gridlet([
      'key',
      'new',
      '-k',
      key('poor'),
      '--import-key-file',
      join(dir, 'poor.hex'),
      '--passphrase-file',
      chain.passFile,
      '--scrypt-n',
      '4096',
    ])
    const poor = await gridlet([
      ...hh(1, 'escrow', 'withdraw-request', '1', '--yes').slice(0, -6),
      '-k',
      key('poor'),
      '--passphrase-file',
      chain.passFile,
    ])
    expect(poor.code).toBe(2)
    expect(poor.err).toContain('the account cannot pay for the gas of this transaction')
    expect(poor.err).toMatch(/holds 0 ETH, the transaction may cost up to 0\.\d+;/) // ether, not wei
  })

  it('a registration cut off after the send is found on retry, not sent twice', async () => {
    const account = '0x0000000000000000000000000000000000C0FFee'
    const proxy = await droppingProxy(chain.anvil.rpcUrl)
    try {
      const cut = await gridlet(op('market', 'register', account, '--meter', 'late-1', '--yes', '--rpc', proxy.url))
      expect(cut.code).toBe(2)
      expect(cut.err).toContain('no answer from the RPC endpoint')
    } finally {
      await proxy.close()
    }
    const retry = await gridlet(op('market', 'register', account, '--meter', 'late-1', '--yes'))
    expect(retry.code, retry.err).toBe(0)
    expect(retry.out).toMatch(/already registered, nothing sent|done earlier/)
    expect(
      await readContract(client(), { address: settlement(), abi: settlementAbi, functionName: 'householdCount' }),
    ).toBe(5)
  })

  it('init --operator writes only an operator keystore', async () => {
    const r = await gridlet([
      'init',
      '--operator',
      '-c',
      join(dir, 'op2', 'gridlet.yaml'),
      '--passphrase-file',
      chain.passFile,
      '--scrypt-n',
      '4096',
    ])
    expect(r.code, r.err).toBe(0)
    expect(keystoreAddress(join(dir, 'op2', 'operator-keystore.json'))).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(existsSync(join(dir, 'op2', 'gridlet.yaml'))).toBe(false)
  })

  it('market status reads the chain; an RPC that is down is named', async () => {
    const s = await gridlet(['market', 'status', '-m', marketFile])
    expect(s.code, s.err).toBe(0)
    expect(s.out).toMatch(/households\s+3 registered \(5 ever\), quorum 2/)
    expect(s.out).toMatch(/escrow\s+120 gEUR held/)
    const down = await gridlet(['market', 'status', '-m', marketFile, '--rpc', 'http://127.0.0.1:9'])
    expect(down.code).toBe(2)
    expect(down.err).toContain('no answer from the RPC endpoint http://127.0.0.1:9')
    // A node that does not answer is named; the chain's view is still shown, and the command fails.
    const node = await gridlet(['market', 'status', '-m', marketFile, '--node', 'http://127.0.0.1:9'])
    expect(node.code).toBe(2)
    expect(node.out).toMatch(/escrow\s+120 gEUR held/)
    expect(node.out).toContain('node http://127.0.0.1:9: no node answering at http://127.0.0.1:9')
    expect(node.err).toContain('1 of 1 nodes gave no status: http://127.0.0.1:9')
  })

  it('a registration whose receipt does not come in time names its hash; the retry waits for that one, mined later', async () => {
    const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
    const account = '0x0000000000000000000000000000000000005107'
    const operator = keystoreAddress(key('operator'))
    const nonce = await getTransactionCount(client(), { address: operator })
    const register = op('market', 'register', account, '--meter', 'slow-1', '--yes')
    await setAutomine(test, false) // anvil takes the transaction into its pool and mines nothing
    try {
      const late = await gridlet([...register, '--receipt-timeout', '1'])
      expect(late.code).toBe(2)
      const hash = late.err.match(/no receipt for transaction (0x[0-9a-f]{64}) after \d+ s; it may still be mined/)?.[1]
      expect(hash, late.err).toBeDefined()
      expect(late.err).toContain('run the same command again')
      const journal = JSON.parse(readFileSync(join(dir, 'operator', 'tx-journal.json'), 'utf8'))
      expect(journal.unresolved.map((e: { hash: string }) => e.hash)).toEqual([hash])
      setTimeout(() => void mine(test, { blocks: 1 }), 500) // the chain mines it while the retry waits
      const retry = await gridlet(register)
      expect(retry.code, retry.err).toBe(0)
      expect(retry.out).toContain(`done earlier in block`)
      expect(retry.out).toContain(hash)
    } finally {
      await setAutomine(test, true)
    }
    expect(await getTransactionCount(client(), { address: operator })).toBe(nonce + 1)
    expect(JSON.parse(readFileSync(join(dir, 'operator', 'tx-journal.json'), 'utf8')).unresolved).toEqual([])
  })
})
