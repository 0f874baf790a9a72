import { statusView } from '../../http/statusView.js'
import type { GatewayState, GatewayStateSource } from '../../mqtt/gatewayState.js'
import type { NodeStore } from '../../store/nodeStore.js'
import type { GridletNode } from '../gridletNode.js'

/**
 * Adapts the node to the MQTT publisher's narrow port. The orders, trades and health are the dashboard's own
 * (statusView), so MQTT and /api/status never disagree; forecast and clearing price come from the store.
 *
 * @example
 * const source = gatewayState(node, store)
 * source().reading?.importWh
 */
export function gatewayState(node: GridletNode, store: NodeStore): GatewayStateSource {
  return (): GatewayState => {
    const v = statusView(node, store)
    const { nextOpen, current, lengthS } = v.interval
    const forecastFor = store.hasDecision(nextOpen) ? nextOpen : current
    const forecastNetWh = store.decisionForecast(forecastFor)
    const last = store.recentResults(1)[0]
    return {
      health: { status: healthOf(v.status), checks: v.checks },
      peers: v.peers,
      intervalS: lengthS,
      reading: v.meter.last,
      forecast: forecastNetWh === undefined ? null : { interval: forecastFor, netWh: forecastNetWh },
      clearing: last
        ? { interval: last.interval, price: last.result.clearingPrice, volumeWh: last.result.volumeWh }
        : null,
      orders: v.orders.map((o) => ({
        interval: o.interval,
        side: sideOf(o.side),
        quantityWh: o.quantityWh,
        limitPrice: o.limitPrice,
        filledWh: o.filledWh,
        state: o.state,
      })),
      trades: v.trades.map((t) => ({
        interval: t.interval,
        side: sideOf(t.side),
        quantityWh: t.quantityWh,
        price: t.price,
        amount: t.amount,
        status: t.status,
      })),
      earnings: v.earnings,
    }
  }
}

const sideOf = (side: string) => (side === 'sell' ? 'sell' : 'buy')
const healthOf = (status: string) => (status === 'ok' || status === 'degraded' ? status : 'down')
