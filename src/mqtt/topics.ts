/** Where one node's messages live: state under `<prefix>/<nodeId>/`, discovery under the HA prefix. */
export interface TopicLayout {
  readonly base: string
  readonly availability: string
  /** Home Assistant's birth/last-will topic, whose `online` asks for discovery again. */
  readonly haStatus: string
  state(key: string): string
  attributes(key: string): string
  discovery(key: string): string
}

/**
 * @example
 * const t = topicLayout({ topicPrefix: 'gridlet', nodeId: 'gridlet_1a2b3c4d', discoveryPrefix: 'homeassistant' })
 * t.state('power') // 'gridlet/gridlet_1a2b3c4d/power'
 * t.discovery('power') // 'homeassistant/sensor/gridlet_1a2b3c4d/power/config'
 */
export function topicLayout(init: { topicPrefix: string; nodeId: string; discoveryPrefix: string }): TopicLayout {
  const base = `${init.topicPrefix}/${init.nodeId}`
  return {
    base,
    availability: `${base}/availability`,
    haStatus: `${init.discoveryPrefix}/status`,
    state: (key) => `${base}/${key}`,
    attributes: (key) => `${base}/${key}/attributes`,
    discovery: (key) => `${init.discoveryPrefix}/sensor/${init.nodeId}/${key}/config`,
  }
}
