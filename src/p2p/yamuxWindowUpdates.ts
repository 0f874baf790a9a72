import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

/** The fields of a yamux stream its window-update decision reads (private in the library's types). */
interface StreamWindow {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

let installed = false

/**
 * Makes `@chainsafe/libp2p-yamux` (8.x) send a stream's window update once half of its receive window is
 * consumed, as rust-yamux and go-yamux do, instead of after every data frame. Gossip is a long-lived stream of
 * small frames: the library answered each received message with a 12-byte window-update frame (30 bytes once
 * Noise-encrypted, an encryption and a socket write each), about a tenth of a market node's bytes and of its
 * send-path CPU. Senders are never blocked by it: half of the window (at least 128 KiB) is still open when the
 * update goes out. Stream opening and closing frames (SYN/ACK flags) still go out at once. Idempotent.
 */
export function installYamuxWindowHysteresis(): void {
  if (installed) return
  installed = true
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate(this: StreamWindow): void }
  const sendWindowUpdate = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: StreamWindow) {
    if (this.state === StreamState.Established && this.recvWindow - this.recvWindowCapacity < this.recvWindow / 2)
      return
    sendWindowUpdate.call(this)
  }
}
