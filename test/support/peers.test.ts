import { describe, expect, it } from 'vitest'
import { type Peer, peersReady } from './peers.js'

describe('peersReady', () => {
  const only =
    (...installed: Peer[]) =>
    (p: Peer) =>
      installed.includes(p)

  it('is true when every peer is installed, in CI or not', () => {
    const warn = (line: string) => expect.fail(line)
    expect(peersReady(['socat', 'mbpoll'], { present: only('socat', 'mbpoll'), env: {}, warn })).toBe(true)
    expect(peersReady(['socat'], { present: only('socat'), env: { CI: 'true' }, warn })).toBe(true)
  })

  it('outside CI skips with one line naming what is missing and how to install it', () => {
    const lines: string[] = []
    for (const CI of [undefined, '', 'false', '0']) {
      const env = CI === undefined ? {} : { CI }
      expect(
        peersReady(['pymodbus', 'mosquitto', 'socat'], { present: only('socat'), env, warn: (l) => lines.push(l) }),
      ).toBe(false)
    }
    expect(lines).toHaveLength(4)
    expect(lines[0]).toBe(
      'SKIPPED: needs the independent peers pymodbus, mosquitto (apt-get install -y python3-pymodbus mosquitto; mandatory when CI=true)',
    )
  })

  it('in CI a missing peer is an error, never a skip', () => {
    const warn = (line: string) => expect.fail(line)
    expect(() => peersReady(['mbpoll'], { present: only(), env: { CI: 'true' }, warn })).toThrow(
      'CI=true: the independent peers mbpoll are required, not skipped (apt-get install -y mbpoll)',
    )
  })

  it('names pip for pandapower, next to apt for the Debian peers', () => {
    const lines: string[] = []
    expect(peersReady(['pandapower', 'socat'], { present: only(), env: {}, warn: (l) => lines.push(l) })).toBe(false)
    expect(lines[0]).toBe(
      'SKIPPED: needs the independent peers pandapower, socat (apt-get install -y socat && python3 -m pip install pandapower==3.5.4; mandatory when CI=true)',
    )
  })
})
