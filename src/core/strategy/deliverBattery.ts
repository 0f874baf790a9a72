import type { BatteryState } from './types.js'

export interface Delivery {
  /** The meter's net import of the interval, whole Wh (negative: export). */
  readonly meteredWh: number
  /** Energy into (positive) or out of (negative) the battery terminals, whole Wh. */
  readonly batteryWh: number
  readonly battery: BatteryState | undefined
}

/**
 * What happens physically in one interval: the home's battery controller steers the meter towards the contracted
 * position (bought - sold), within the battery's power and charge, and the meter records the rest. With nothing
 * contracted this is plain self-consumption (charge from surplus, discharge into load). Charging loses
 * (1 - efficiency) of the energy on the way in. Battery flows are whole Wh, so the meter reading is whole Wh.
 *
 * @example
 * deliverBattery({ capacityWh: 10_000, powerW: 5000, efficiency: 0.9, socWh: 0 }, 0, 300, 1300, 1800)
 * // surplus 1000 Wh charges the battery: { meteredWh: 0, batteryWh: 1000, battery: { socWh: 900, ... } }
 */
export function deliverBattery(
  battery: BatteryState | undefined,
  contractedWh: number,
  loadWh: number,
  pvWh: number,
  intervalS: number,
): Delivery {
  const raw = loadWh - pvWh
  if (!battery) return { meteredWh: raw, batteryWh: 0, battery }
  const maxFlow = Math.floor((battery.powerW * intervalS) / 3600)
  const want = contractedWh - raw // > 0: charge, < 0: discharge
  let flow: number
  if (want >= 0) {
    const room = Math.floor((battery.capacityWh - battery.socWh) / battery.efficiency)
    flow = Math.min(want, maxFlow, Math.max(0, room))
  } else flow = -Math.min(-want, maxFlow, Math.floor(battery.socWh))
  const socWh = flow >= 0 ? battery.socWh + flow * battery.efficiency : battery.socWh + flow
  return {
    meteredWh: raw + flow,
    batteryWh: flow,
    battery: { ...battery, socWh: Math.min(battery.capacityWh, Math.max(0, socWh)) },
  }
}
