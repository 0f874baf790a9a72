import { z } from 'zod'

/** MQTT topic levels: no wildcards (+ #), no empty level, no leading `$` (broker-internal), no leading or trailing /. */
const topicPath = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'expected levels of A-Z a-z 0-9 _ - separated by / (no wildcards)')

/** Home Assistant's node_id and object_id character class, also safe as one MQTT topic level and a client id. */
const idChars = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1 to 64 of A-Z a-z 0-9 _ -')

const SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:']

const brokerUrl = z.string().superRefine((value, ctx) => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a URL such as mqtt://broker.local:1883' })
    return
  }
  if (!SCHEMES.includes(url.protocol)) {
    ctx.addIssue({ code: 'custom', message: `scheme must be one of mqtt, mqtts, ws, wss (got ${url.protocol})` })
  } else if (url.hostname === '') {
    ctx.addIssue({ code: 'custom', message: 'the URL has no host' })
  } else if (url.username !== '' || url.password !== '') {
    // A secret in the config file ends up in backups and bug reports: credentials have their own fields.
    ctx.addIssue({ code: 'custom', message: 'no credentials in the URL: use username and passwordFile or passwordEnv' })
  }
})

/**
 * The optional `mqtt` section of gridlet.yaml. Absent: the node does not speak MQTT. The password is never in the
 * file itself: it is read from a file (`passwordFile`, e.g. mode 0600) or an environment variable (`passwordEnv`).
 */
export const mqttSchema = z
  .object({
    /** Broker URL: mqtt://, mqtts:// (TLS), ws:// or wss:// (MQTT over WebSocket). */
    url: brokerUrl,
    /** MQTT client id; default `gridlet-` + the first 8 hex digits of the household account. */
    clientId: idChars.optional(),
    /** This node's topic level and Home Assistant node_id; default `gridlet_` + the first 8 hex digits of the account. */
    nodeId: idChars.optional(),
    /** Root of the state topics: `<topicPrefix>/<nodeId>/<sensor>`. */
    topicPrefix: topicPath.default('gridlet'),
    discovery: z
      .object({
        /** Publish Home Assistant MQTT discovery configs (retained) so the sensors appear by themselves. */
        enabled: z.boolean().default(true),
        /** Home Assistant's discovery prefix (its MQTT integration setting). */
        prefix: topicPath.default('homeassistant'),
      })
      .strict()
      .prefault({}),
    username: z.string().min(1).max(256).optional(),
    /** File holding the broker password (first line); relative to the config file. */
    passwordFile: z.string().min(1).optional(),
    /** Name of the environment variable holding the broker password. */
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
      .optional(),
    /** PEM file of the CA that signed the broker's certificate, for mqtts/wss with a private CA. */
    caFile: z.string().min(1).optional(),
    /** QoS of state and discovery messages: 0 (at most once) or 1 (at least once). */
    qos: z.union([z.literal(0), z.literal(1)]).default(1),
    /** Seconds between two state publications (only changed values are sent; all are refreshed regularly). */
    publishS: z.number().min(1).max(3600).default(10),
    /** Home Assistant marks meter sensors unavailable when not updated for this long (seconds; 0: never). */
    expireAfterS: z.number().int().min(0).max(86_400).default(300),
    /** MQTT keepalive in seconds: a dead connection is noticed after about 1.5 times this. */
    keepaliveS: z.number().int().min(5).max(3600).default(30),
    reconnect: z
      .object({
        /** First reconnect delay, seconds; doubled per failed attempt (with jitter) up to `maxS`. */
        minS: z.number().min(0.1).max(3600).default(1),
        maxS: z.number().min(0.1).max(3600).default(60),
      })
      .strict()
      .prefault({})
      .refine((r) => r.minS <= r.maxS, { message: 'minS must not exceed maxS', path: ['minS'] }),
    /** The settlement token: unit of earnings and prices in Home Assistant, and its decimals. */
    token: z
      .object({
        symbol: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9]{0,11}$/, 'expected a short alphanumeric symbol')
          .default('gEUR'),
        decimals: z.number().int().min(0).max(36).default(6),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((m) => !(m.passwordFile && m.passwordEnv), {
    message: 'set passwordFile or passwordEnv, not both',
    path: ['passwordEnv'],
  })

export type MqttSettings = z.output<typeof mqttSchema>
