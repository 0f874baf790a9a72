import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export const PYTHON = '/usr/bin/python3'
/** The Python on PATH, where pip installs pandapower (`.ci/run`); the OS's own Python has no pip packages. */
export const PIP_PYTHON = 'python3'
/** The pandapower release `.ci/run` installs. */
export const PANDAPOWER = 'pandapower==3.5.4'

/**
 * The independent peers (Debian packages, and pandapower from PyPI, installed by `.ci/run`): the interoperability
 * tests check gridlet against them rather than against itself.
 */
const PEERS: Record<string, { apt?: string; pip?: string; present: () => boolean }> = {
  pymodbus: { apt: 'python3-pymodbus', present: () => pythonImports(PYTHON, 'pymodbus', 'serial_asyncio') },
  mbpoll: { apt: 'mbpoll', present: () => existsSync('/usr/bin/mbpoll') },
  socat: { apt: 'socat', present: () => existsSync('/usr/bin/socat') },
  mosquitto: { apt: 'mosquitto', present: () => existsSync('/usr/sbin/mosquitto') },
  pandapower: { pip: PANDAPOWER, present: () => pythonImports(PIP_PYTHON, 'pandapower') },
} satisfies Record<string, unknown>

export type Peer = 'pymodbus' | 'mbpoll' | 'socat' | 'mosquitto' | 'pandapower'

/**
 * True when every peer is installed. Outside CI a missing peer skips the suite with a one-line reason saying what to
 * install; in CI (`CI` set, as `.ci/run` does) it throws, so the interoperability tests can never silently not run.
 *
 * @example
 * describe.skipIf(!havePeers('mbpoll', 'socat'))('independent clients', () => { ... })
 */
export function havePeers(...peers: Peer[]): boolean {
  return peersReady(peers, { present: isPresent, env: process.env, warn: console.warn })
}

/** {@link havePeers} with its surroundings passed in. */
export function peersReady(
  peers: readonly Peer[],
  deps: { present: (peer: Peer) => boolean; env: NodeJS.ProcessEnv; warn: (line: string) => void },
): boolean {
  const missing = peers.filter((p) => !deps.present(p))
  if (missing.length === 0) return true
  const apt = missing.flatMap((p) => PEERS[p]?.apt ?? [])
  const pip = missing.flatMap((p) => PEERS[p]?.pip ?? [])
  const install = [
    ...(apt.length > 0 ? [`apt-get install -y ${apt.join(' ')}`] : []),
    ...(pip.length > 0 ? [`${PIP_PYTHON} -m pip install ${pip.join(' ')}`] : []),
  ].join(' && ')
  const ci = deps.env.CI
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0')
    throw new Error(`CI=${ci}: the independent peers ${missing.join(', ')} are required, not skipped (${install})`)
  deps.warn(`SKIPPED: needs the independent peers ${missing.join(', ')} (${install}; mandatory when CI=true)`)
  return false
}

const seen = new Map<Peer, boolean>()
function isPresent(peer: Peer): boolean {
  let present = seen.get(peer)
  if (present === undefined) {
    present = PEERS[peer]?.present() ?? false
    seen.set(peer, present)
  }
  return present
}

function pythonImports(python: string, ...modules: string[]): boolean {
  try {
    execFileSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
