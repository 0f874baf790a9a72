/** Why a received message was not acted on. */
export type ReceivedCode = 'HA_ONLINE' | 'HA_OFFLINE' | 'RETAINED' | 'UNEXPECTED_TOPIC' | 'TOO_LARGE' | 'BAD_PAYLOAD'

export type Verdict =
  | { readonly verdict: 'ACCEPT'; readonly code: 'HA_ONLINE' }
  | { readonly verdict: 'IGNORE' | 'REJECT'; readonly code: ReceivedCode }

const MAX_PAYLOAD = 32

/**
 * Judges a message from the broker; only judges, never acts. The one message the publisher subscribes to is Home
 * Assistant's status (birth `online` / last will `offline`): a live `online` means HA restarted and wants the
 * discovery configs again. A retained `online` (delivered on subscribe) needs no answer, so it is ignored.
 *
 * @example
 * judgeMessage('homeassistant/status', Buffer.from('online'), false, 'homeassistant/status') // ACCEPT HA_ONLINE
 */
export function judgeMessage(topic: string, payload: Uint8Array, retained: boolean, haStatus: string): Verdict {
  if (topic !== haStatus) return { verdict: 'REJECT', code: 'UNEXPECTED_TOPIC' }
  if (payload.byteLength > MAX_PAYLOAD) return { verdict: 'REJECT', code: 'TOO_LARGE' }
  const text = Buffer.from(payload).toString('latin1')
  if (text === 'offline') return { verdict: 'IGNORE', code: 'HA_OFFLINE' }
  if (text !== 'online') return { verdict: 'REJECT', code: 'BAD_PAYLOAD' }
  return retained ? { verdict: 'IGNORE', code: 'RETAINED' } : { verdict: 'ACCEPT', code: 'HA_ONLINE' }
}
