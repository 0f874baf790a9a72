import { describe, expect, it } from 'vitest'
import { judgeMessage } from './judgeMessage.js'

const HA = 'homeassistant/status'
const judge = (topic: string, text: string | Uint8Array, retained = false) =>
  judgeMessage(topic, typeof text === 'string' ? Buffer.from(text) : text, retained, HA)

describe('judgeMessage', () => {
  it('accepts a live HA birth message and ignores a retained one or the last will', () => {
    expect(judge(HA, 'online')).toEqual({ verdict: 'ACCEPT', code: 'HA_ONLINE' })
    expect(judge(HA, 'online', true)).toEqual({ verdict: 'IGNORE', code: 'RETAINED' })
    expect(judge(HA, 'offline')).toEqual({ verdict: 'IGNORE', code: 'HA_OFFLINE' })
  })

  it('rejects other topics, other payloads and oversized payloads', () => {
    expect(judge('homeassistant/statusx', 'online').code).toBe('UNEXPECTED_TOPIC')
    expect(judge(HA, 'ONLINE').code).toBe('BAD_PAYLOAD')
    expect(judge(HA, ' online').code).toBe('BAD_PAYLOAD')
    expect(judge(HA, new Uint8Array([0x6f, 0xff]))).toEqual({ verdict: 'REJECT', code: 'BAD_PAYLOAD' })
    expect(judge(HA, 'x'.repeat(33))).toEqual({ verdict: 'REJECT', code: 'TOO_LARGE' })
    expect(judge(HA, new Uint8Array(1 << 20)).code).toBe('TOO_LARGE')
  })
})
