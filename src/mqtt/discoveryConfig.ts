import type { SensorSpec } from './sensors.js'
import type { TopicLayout } from './topics.js'

export interface DeviceInfo {
  /** Household account (0x + 40 hex): the stable identity behind every unique_id. */
  readonly account: string
  readonly name: string
  readonly swVersion: string
}

export interface DiscoveryOptions {
  readonly qos: 0 | 1
  /** Seconds without an update after which HA shows a meter sensor unavailable; 0: never. */
  readonly expireAfterS: number
}

/**
 * Home Assistant MQTT discovery config of one sensor (single-component discovery, published retained to
 * `<prefix>/sensor/<node_id>/<object_id>/config`). Every entity of a node shares one device block and the
 * node's availability topic, whose last will is `offline`.
 *
 * @example
 * client.publish(topics.discovery('power'), JSON.stringify(discoveryConfig(spec, topics, device, opts)), { retain: true })
 */
export function discoveryConfig(
  spec: SensorSpec,
  topics: TopicLayout,
  device: DeviceInfo,
  opts: DiscoveryOptions,
): Record<string, unknown> {
  const id = `gridlet_${device.account.slice(2).toLowerCase()}`
  return {
    name: spec.name,
    unique_id: `${id}_${spec.key}`,
    state_topic: topics.state(spec.key),
    ...(spec.attributes ? { json_attributes_topic: topics.attributes(spec.key) } : {}),
    availability_topic: topics.availability,
    payload_available: 'online',
    payload_not_available: 'offline',
    ...(spec.deviceClass ? { device_class: spec.deviceClass } : {}),
    ...(spec.stateClass ? { state_class: spec.stateClass } : {}),
    ...(spec.unit ? { unit_of_measurement: spec.unit } : {}),
    ...(spec.precision === undefined ? {} : { suggested_display_precision: spec.precision }),
    ...(spec.options ? { options: [...spec.options] } : {}),
    ...(spec.icon ? { icon: spec.icon } : {}),
    ...(spec.diagnostic ? { entity_category: 'diagnostic' } : {}),
    ...(spec.fromMeter && opts.expireAfterS > 0 ? { expire_after: opts.expireAfterS } : {}),
    qos: opts.qos,
    device: {
      identifiers: [id],
      name: device.name,
      manufacturer: 'gridlet',
      model: 'gridlet node',
      sw_version: device.swVersion,
    },
    origin: { name: 'gridlet', sw_version: device.swVersion },
  }
}
