// A publisher in its own process, so a test can kill it abruptly (SIGKILL: no DISCONNECT, no goodbye).
import { testPublisher } from './fixtures.js'

const { publisher } = testPublisher(process.env.BROKER_URL!)
publisher.start()
const timer = setInterval(() => {
  if (publisher.connected && publisher.pending === 0) {
    clearInterval(timer)
    process.stdout.write('published\n')
  }
}, 20)
