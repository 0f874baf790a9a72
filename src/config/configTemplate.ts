/** Values `gridlet init` fills into the template; everything else keeps its documented default. */
export interface TemplateValues {
  keystore?: string
  marketName?: string
  marketId?: string
  intervalS?: number
  gateClosureS?: number
  /** The escrow token's display unit (from a market file). */
  token?: { symbol: string; decimals: number }
  chainId?: number
  contract?: string
  meterKind?: 'modbus-tcp' | 'modbus-rtu' | 'simulated'
  meterHost?: string
  meterPort?: number
  meterUnitId?: number
  p2pListen?: string
  bootstrap?: string[]
  households?: string[]
  mdns?: boolean
  rpcUrl?: string
  httpPort?: number
  storePath?: string
}

/**
 * The commented YAML config `gridlet init` writes. The comments are the reference documentation of each setting
 * (docs/operator.md repeats them); a test checks the template parses to the schema's defaults.
 *
 * @example
 * writeFileSync('gridlet.yaml', configTemplate({ meterPort: 1502 }))
 */
export function configTemplate(v: TemplateValues = {}): string {
  const list = (xs: string[]) =>
    xs.length === 0 ? ' []' : `\n${xs.map((x) => `    - ${JSON.stringify(x)}`).join('\n')}`
  return `# gridlet node configuration. Every setting is optional; the value shown is the default unless noted.
# Relative paths are resolved against the directory of this file. Reference: docs/operator.md

# Encrypted V3 keystore holding this household's key (created by \`gridlet init\`, mode 0600).
# The passphrase comes from GRIDLET_PASSPHRASE, --passphrase-file, or an interactive prompt.
keystore: ${JSON.stringify(v.keystore ?? 'keystore.json')}

log:
  # fatal | error | warn | info | debug | trace | silent. Logs are JSON lines on stdout (pino).
  level: info

market:
  # Name of the market; the on-chain market id is keccak256(name). All households of a market use the same.
  name: ${JSON.stringify(v.marketName ?? 'gridlet-local')}
  # The bytes32 market id, only when it is not keccak256(name).
${v.marketId ? `  id: ${JSON.stringify(v.marketId)}` : '  # id: 0x…'}
  # Chain id and settlement contract address: the EIP-712 domain every order is signed for.
  chainId: ${v.chainId ?? 31337}
  contract: ${JSON.stringify(v.contract ?? '0x0000000000000000000000000000000000000000')}
  # Interval length in seconds (60..3600, must divide a day). Intervals are aligned to UTC.
  intervalS: ${v.intervalS ?? 900}
  # The order book of an interval closes this many seconds before the interval starts.
  gateClosureS: ${v.gateClosureS ?? 60}
  # Clock skew tolerated between peers, seconds. Keep the gateway on NTP.
  maxSkewS: 5
  # Clearing rule: k-da (uniform price), pay-as-bid, sdr, mmr. Must be the same on every node.
  rule: k-da
  # Orders a household may place per interval (a bid curve); the same on every node of the market.
  maxOrdersPerInterval: 16
  # Utility prices in token units per kWh: retail (buying from the grid) and feed-in (selling to it).
  retailPrice: 300000
  feedInPrice: 80000
  # Accounts of the registered households (the base of the result quorum). Empty: read from the contract at start.
  households:${list(v.households ?? [])}
  # The escrow token's display unit (symbol, decimals): the dashboard shows money in it; absent: smallest units.
${v.token ? `  token: { symbol: ${JSON.stringify(v.token.symbol)}, decimals: ${v.token.decimals} }` : '  # token: { symbol: gEUR, decimals: 6 }'}
  # Optional, off unless present: the distribution network in the clearing (docs/grid.md): network fees by level
  # and feeder/transformer limits. Every node of the market carries the same section and the same network file.
  # grid:
  #   network: network.yaml              # radial LV network, the simulator's network file format (.yaml or .json)
  #   fees: [0, 20, 60]                  # token units per Wh, by level: same feeder, same transformer, upstream
  #   feeRecipient: "0x…"                # who is paid the fees (the grid operator)
  #   capacity: true                     # keep each feeder's and the transformer's flow within its rating
  #   connections: { "0x…": meter-17 }   # account -> connection point, for households not listed by account
  #   operator: "0x…"                    # grid operator: its signed envelopes change the limits per interval
  #   envelopeLeadIntervals: 1           # an envelope for interval k counts if received by gate closure of k-1
  #   envelopeMaxAheadIntervals: 96      # envelopes further ahead are ignored

meter:
  # modbus-tcp (a meter or the simulator over TCP), modbus-rtu (serial RS-485), simulated (built-in, demo only).
  kind: ${v.meterKind ?? 'modbus-tcp'}
  # Meter profile (register map) from meters/.
  profile: sdm630
  host: ${JSON.stringify(v.meterHost ?? '127.0.0.1')}
  port: ${v.meterPort ?? 502}
  # Serial device and line settings, for modbus-rtu: baud rate, parity (none, even, odd), stop bits (1 or 2).
  device: /dev/ttyUSB0
  baudRate: 9600
  parity: none
  stopBits: 1
  # Modbus unit id of the meter, 1..247.
  unitId: ${v.meterUnitId ?? 1}
  # Seconds between polls; timeout of one Modbus request in ms.
  pollS: 10
  timeoutMs: 2000
  # A reading older than this (seconds) is stale: the node stops offering energy it cannot measure.
  staleAfterS: 60

p2p:
  # libp2p listen addresses.
  listen:${list([v.p2pListen ?? '/ip4/0.0.0.0/tcp/4101'])}
  # Peers to dial at start: multiaddrs ending in /p2p/<peer id>.
  bootstrap:${list(v.bootstrap ?? [])}
  # Find peers on the local network by mDNS.
  mdns: ${v.mdns ?? true}

chain:
  # JSON-RPC endpoint of the settlement chain. If it is down, settlements queue locally and are retried.
  rpcUrl: ${JSON.stringify(v.rpcUrl ?? 'http://127.0.0.1:8545')}
  # What this node submits: all (every agreed interval; the contract settles an interval once, the first
  # submission wins), own-sells (only intervals where it sells), none (leave settlement to the other nodes).
  submit: all
  # Seconds before the first settlement retry after a failure (doubled per attempt while the RPC stays down).
  retryS: 15
  # Seconds between two passes over the settlement queue (and between two reads of the registry).
  pollS: 5
  # Blocks a registry event (register, remove, rotateKey) must lie under before the node applies it (a reorg can
  # drop a block). Unset: 0 on a dev chain (chain id 31337), 2 elsewhere. Keep registryConfirmations x block time
  # + pollS below market.intervalS (checked at start).
  # registryConfirmations: 2

strategy:
  # forecast-aware (default), truthful, or spread (a simple fixed-margin fallback).
  name: forecast-aware
  # Forecasting model: persistence, seasonal-naive, seasonal-naive-week, recent-mean, holt-winters,
  # empirical-profile, quantile-regression (see docs/forecasting.md).
  model: empirical-profile
  # Price bounds in token units per kWh; unset means feed-in price (sell) and retail price (buy).
  # minSellPrice: 80000
  # maxBuyPrice: 300000
  # Ignore positions smaller than this (Wh); cap any single order (Wh).
  minQuantityWh: 10
  maxQuantityWh: 20000

http:
  # Health (/health), Prometheus metrics (/metrics), status API (/api/status) and the dashboard (/).
  # Keep it on localhost: the dashboard has no authentication.
  host: 127.0.0.1
  port: ${v.httpPort ?? 8080}

store:
  # SQLite database (WAL). Holds readings, orders, results and the settlement outbox. Back it up.
  path: ${JSON.stringify(v.storePath ?? 'gridlet.sqlite')}
  # Raw meter readings and peers' orders older than this many days are pruned.
  retainDays: 90

# Optional, off unless this section is present: publish readings, forecast, clearing price, orders, trades,
# earnings and health to an MQTT broker, with Home Assistant discovery (docs/mqtt.md). Example:
# mqtt:
#   url: mqtt://homeassistant.local:1883   # mqtt, mqtts, ws or wss; no credentials in the URL
#   username: gridlet
#   passwordFile: mqtt-password            # or passwordEnv: GRIDLET_MQTT_PASSWORD (never the password itself)
#   topicPrefix: gridlet                   # state topics: gridlet/<nodeId>/<sensor>
#   discovery: { enabled: true, prefix: homeassistant }
#   qos: 1                                 # 0 or 1
#   publishS: 10
#   expireAfterS: 300                      # meter sensors turn unavailable in HA without updates (0: never)
#   token: { symbol: gEUR, decimals: 6 }   # unit of earnings and prices
`
}
