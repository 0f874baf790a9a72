import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Order {
  market: Uint8Array<ArrayBuffer>
  interval: bigint
  side: number
  quantityWh: bigint
  limitPrice: Uint8Array<ArrayBuffer>
  account: Uint8Array<ArrayBuffer>
  nonce: bigint
  expiry: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace Order {
  let _codec: Codec<Order>

  export const codec = (): Codec<Order> => {
    if (_codec == null) {
      _codec = message<Order>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.market != null && obj.market.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.market)
        }

        if ((obj.interval != null && obj.interval !== 0n)) {
          w.uint32(16)
          w.uint64(obj.interval)
        }

        if ((obj.side != null && obj.side !== 0)) {
          w.uint32(24)
          w.uint32(obj.side)
        }

        if ((obj.quantityWh != null && obj.quantityWh !== 0n)) {
          w.uint32(32)
          w.uint64(obj.quantityWh)
        }

        if ((obj.limitPrice != null && obj.limitPrice.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.limitPrice)
        }

        if ((obj.account != null && obj.account.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.account)
        }

        if ((obj.nonce != null && obj.nonce !== 0n)) {
          w.uint32(56)
          w.uint64(obj.nonce)
        }

        if ((obj.expiry != null && obj.expiry !== 0n)) {
          w.uint32(64)
          w.uint64(obj.expiry)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          market: uint8ArrayAlloc(0),
          interval: 0n,
          side: 0,
          quantityWh: 0n,
          limitPrice: uint8ArrayAlloc(0),
          account: uint8ArrayAlloc(0),
          nonce: 0n,
          expiry: 0n,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.market = reader.bytes()
              break
            }
            case 2: {
              obj.interval = reader.uint64()
              break
            }
            case 3: {
              obj.side = reader.uint32()
              break
            }
            case 4: {
              obj.quantityWh = reader.uint64()
              break
            }
            case 5: {
              obj.limitPrice = reader.bytes()
              break
            }
            case 6: {
              obj.account = reader.bytes()
              break
            }
            case 7: {
              obj.nonce = reader.uint64()
              break
            }
            case 8: {
              obj.expiry = reader.uint64()
              break
            }
            case 9: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.market`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.interval`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.side`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.quantityWh`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.limitPrice`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.account`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.expiry`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface OrderMarketFieldEvent {
    field: '$.market'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OrderIntervalFieldEvent {
    field: '$.interval'
    value: bigint
  }

  export interface OrderSideFieldEvent {
    field: '$.side'
    value: number
  }

  export interface OrderQuantityWhFieldEvent {
    field: '$.quantityWh'
    value: bigint
  }

  export interface OrderLimitPriceFieldEvent {
    field: '$.limitPrice'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OrderAccountFieldEvent {
    field: '$.account'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OrderNonceFieldEvent {
    field: '$.nonce'
    value: bigint
  }

  export interface OrderExpiryFieldEvent {
    field: '$.expiry'
    value: bigint
  }

  export interface OrderSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Order>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Order.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Order>): Order {
    return decodeMessage(buf, Order.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Order>): Generator<OrderMarketFieldEvent | OrderIntervalFieldEvent | OrderSideFieldEvent | OrderQuantityWhFieldEvent | OrderLimitPriceFieldEvent | OrderAccountFieldEvent | OrderNonceFieldEvent | OrderExpiryFieldEvent | OrderSignatureFieldEvent> {
    return streamMessage(buf, Order.codec(), opts)
  }
}

export interface Cancel {
  market: Uint8Array<ArrayBuffer>
  interval: bigint
  account: Uint8Array<ArrayBuffer>
  orderId: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace Cancel {
  let _codec: Codec<Cancel>

  export const codec = (): Codec<Cancel> => {
    if (_codec == null) {
      _codec = message<Cancel>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.market != null && obj.market.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.market)
        }

        if ((obj.interval != null && obj.interval !== 0n)) {
          w.uint32(16)
          w.uint64(obj.interval)
        }

        if ((obj.account != null && obj.account.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.account)
        }

        if ((obj.orderId != null && obj.orderId.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.orderId)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          market: uint8ArrayAlloc(0),
          interval: 0n,
          account: uint8ArrayAlloc(0),
          orderId: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.market = reader.bytes()
              break
            }
            case 2: {
              obj.interval = reader.uint64()
              break
            }
            case 3: {
              obj.account = reader.bytes()
              break
            }
            case 4: {
              obj.orderId = reader.bytes()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.market`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.interval`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.account`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.orderId`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CancelMarketFieldEvent {
    field: '$.market'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CancelIntervalFieldEvent {
    field: '$.interval'
    value: bigint
  }

  export interface CancelAccountFieldEvent {
    field: '$.account'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CancelOrderIdFieldEvent {
    field: '$.orderId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CancelSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Cancel>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Cancel.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cancel>): Cancel {
    return decodeMessage(buf, Cancel.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cancel>): Generator<CancelMarketFieldEvent | CancelIntervalFieldEvent | CancelAccountFieldEvent | CancelOrderIdFieldEvent | CancelSignatureFieldEvent> {
    return streamMessage(buf, Cancel.codec(), opts)
  }
}

export interface IntervalDigest {
  market: Uint8Array<ArrayBuffer>
  interval: bigint
  count: number
  setHash: Uint8Array<ArrayBuffer>
  ids: Uint8Array<ArrayBuffer>[]
  account: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace IntervalDigest {
  let _codec: Codec<IntervalDigest>

  export const codec = (): Codec<IntervalDigest> => {
    if (_codec == null) {
      _codec = message<IntervalDigest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.market != null && obj.market.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.market)
        }

        if ((obj.interval != null && obj.interval !== 0n)) {
          w.uint32(16)
          w.uint64(obj.interval)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(24)
          w.uint32(obj.count)
        }

        if ((obj.setHash != null && obj.setHash.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.setHash)
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if ((obj.account != null && obj.account.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.account)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          market: uint8ArrayAlloc(0),
          interval: 0n,
          count: 0,
          setHash: uint8ArrayAlloc(0),
          ids: [],
          account: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.market = reader.bytes()
              break
            }
            case 2: {
              obj.interval = reader.uint64()
              break
            }
            case 3: {
              obj.count = reader.uint32()
              break
            }
            case 4: {
              obj.setHash = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.bytes())
              break
            }
            case 6: {
              obj.account = reader.bytes()
              break
            }
            case 7: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          ids: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.market`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.interval`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.setHash`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.bytes()
              }

              obj.ids++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.account`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface IntervalDigestMarketFieldEvent {
    field: '$.market'
    value: Uint8Array<ArrayBuffer>
  }

  export interface IntervalDigestIntervalFieldEvent {
    field: '$.interval'
    value: bigint
  }

  export interface IntervalDigestCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface IntervalDigestSetHashFieldEvent {
    field: '$.setHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface IntervalDigestIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface IntervalDigestAccountFieldEvent {
    field: '$.account'
    value: Uint8Array<ArrayBuffer>
  }

  export interface IntervalDigestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<IntervalDigest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, IntervalDigest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IntervalDigest>): IntervalDigest {
    return decodeMessage(buf, IntervalDigest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IntervalDigest>): Generator<IntervalDigestMarketFieldEvent | IntervalDigestIntervalFieldEvent | IntervalDigestCountFieldEvent | IntervalDigestSetHashFieldEvent | IntervalDigestIdsFieldEvent | IntervalDigestAccountFieldEvent | IntervalDigestSignatureFieldEvent> {
    return streamMessage(buf, IntervalDigest.codec(), opts)
  }
}

export interface ResultAnnouncement {
  market: Uint8Array<ArrayBuffer>
  interval: bigint
  setHash: Uint8Array<ArrayBuffer>
  root: Uint8Array<ArrayBuffer>
  tradeCount: number
  account: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace ResultAnnouncement {
  let _codec: Codec<ResultAnnouncement>

  export const codec = (): Codec<ResultAnnouncement> => {
    if (_codec == null) {
      _codec = message<ResultAnnouncement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.market != null && obj.market.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.market)
        }

        if ((obj.interval != null && obj.interval !== 0n)) {
          w.uint32(16)
          w.uint64(obj.interval)
        }

        if ((obj.setHash != null && obj.setHash.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.setHash)
        }

        if ((obj.root != null && obj.root.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.root)
        }

        if ((obj.tradeCount != null && obj.tradeCount !== 0)) {
          w.uint32(40)
          w.uint32(obj.tradeCount)
        }

        if ((obj.account != null && obj.account.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.account)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          market: uint8ArrayAlloc(0),
          interval: 0n,
          setHash: uint8ArrayAlloc(0),
          root: uint8ArrayAlloc(0),
          tradeCount: 0,
          account: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.market = reader.bytes()
              break
            }
            case 2: {
              obj.interval = reader.uint64()
              break
            }
            case 3: {
              obj.setHash = reader.bytes()
              break
            }
            case 4: {
              obj.root = reader.bytes()
              break
            }
            case 5: {
              obj.tradeCount = reader.uint32()
              break
            }
            case 6: {
              obj.account = reader.bytes()
              break
            }
            case 7: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.market`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.interval`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.setHash`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.root`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.tradeCount`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.account`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ResultAnnouncementMarketFieldEvent {
    field: '$.market'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultAnnouncementIntervalFieldEvent {
    field: '$.interval'
    value: bigint
  }

  export interface ResultAnnouncementSetHashFieldEvent {
    field: '$.setHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultAnnouncementRootFieldEvent {
    field: '$.root'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultAnnouncementTradeCountFieldEvent {
    field: '$.tradeCount'
    value: number
  }

  export interface ResultAnnouncementAccountFieldEvent {
    field: '$.account'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResultAnnouncementSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ResultAnnouncement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ResultAnnouncement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ResultAnnouncement>): ResultAnnouncement {
    return decodeMessage(buf, ResultAnnouncement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ResultAnnouncement>): Generator<ResultAnnouncementMarketFieldEvent | ResultAnnouncementIntervalFieldEvent | ResultAnnouncementSetHashFieldEvent | ResultAnnouncementRootFieldEvent | ResultAnnouncementTradeCountFieldEvent | ResultAnnouncementAccountFieldEvent | ResultAnnouncementSignatureFieldEvent> {
    return streamMessage(buf, ResultAnnouncement.codec(), opts)
  }
}

export interface GossipMessage {
  order?: Order
  cancel?: Cancel
  digest?: IntervalDigest
  result?: ResultAnnouncement
}

export namespace GossipMessage {
  let _codec: Codec<GossipMessage>

  export const codec = (): Codec<GossipMessage> => {
    if (_codec == null) {
      _codec = message<GossipMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.result != null) {
          obj.digest = undefined
          obj.cancel = undefined
          obj.order = undefined
        }

        if (obj.digest != null) {
          obj.result = undefined
          obj.cancel = undefined
          obj.order = undefined
        }

        if (obj.cancel != null) {
          obj.result = undefined
          obj.digest = undefined
          obj.order = undefined
        }

        if (obj.order != null) {
          obj.result = undefined
          obj.digest = undefined
          obj.cancel = undefined
        }

        if (obj.order != null) {
          w.uint32(10)
          Order.codec().encode(obj.order, w)
        }

        if (obj.cancel != null) {
          w.uint32(18)
          Cancel.codec().encode(obj.cancel, w)
        }

        if (obj.digest != null) {
          w.uint32(26)
          IntervalDigest.codec().encode(obj.digest, w)
        }

        if (obj.result != null) {
          w.uint32(34)
          ResultAnnouncement.codec().encode(obj.result, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.order = Order.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.order
              })
              break
            }
            case 2: {
              obj.cancel = Cancel.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.cancel
              })
              break
            }
            case 3: {
              obj.digest = IntervalDigest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.digest
              })
              break
            }
            case 4: {
              obj.result = ResultAnnouncement.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.result
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.result != null) {
          delete obj.digest
          delete obj.cancel
          delete obj.order
        }

        if (obj.digest != null) {
          delete obj.result
          delete obj.cancel
          delete obj.order
        }

        if (obj.cancel != null) {
          delete obj.result
          delete obj.digest
          delete obj.order
        }

        if (obj.order != null) {
          delete obj.result
          delete obj.digest
          delete obj.cancel
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Order.codec().stream(reader, reader.uint32(), `${prefix}.order`, {
                limits: opts.limits?.order
              })

              break
            }
            case 2: {
              yield * Cancel.codec().stream(reader, reader.uint32(), `${prefix}.cancel`, {
                limits: opts.limits?.cancel
              })

              break
            }
            case 3: {
              yield * IntervalDigest.codec().stream(reader, reader.uint32(), `${prefix}.digest`, {
                limits: opts.limits?.digest
              })

              break
            }
            case 4: {
              yield * ResultAnnouncement.codec().stream(reader, reader.uint32(), `${prefix}.result`, {
                limits: opts.limits?.result
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface GossipMessageOrderMarketFieldEvent {
    field: '$.order.market'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageOrderIntervalFieldEvent {
    field: '$.order.interval'
    value: bigint
  }

  export interface GossipMessageOrderSideFieldEvent {
    field: '$.order.side'
    value: number
  }

  export interface GossipMessageOrderQuantityWhFieldEvent {
    field: '$.order.quantityWh'
    value: bigint
  }

  export interface GossipMessageOrderLimitPriceFieldEvent {
    field: '$.order.limitPrice'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageOrderAccountFieldEvent {
    field: '$.order.account'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageOrderNonceFieldEvent {
    field: '$.order.nonce'
    value: bigint
  }

  export interface GossipMessageOrderExpiryFieldEvent {
    field: '$.order.expiry'
    value: bigint
  }

  export interface GossipMessageOrderSignatureFieldEvent {
    field: '$.order.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageCancelMarketFieldEvent {
    field: '$.cancel.market'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageCancelIntervalFieldEvent {
    field: '$.cancel.interval'
    value: bigint
  }

  export interface GossipMessageCancelAccountFieldEvent {
    field: '$.cancel.account'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageCancelOrderIdFieldEvent {
    field: '$.cancel.orderId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageCancelSignatureFieldEvent {
    field: '$.cancel.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageDigestMarketFieldEvent {
    field: '$.digest.market'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageDigestIntervalFieldEvent {
    field: '$.digest.interval'
    value: bigint
  }

  export interface GossipMessageDigestCountFieldEvent {
    field: '$.digest.count'
    value: number
  }

  export interface GossipMessageDigestSetHashFieldEvent {
    field: '$.digest.setHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageDigestIdsFieldEvent {
    field: '$.digest.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageDigestAccountFieldEvent {
    field: '$.digest.account'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageDigestSignatureFieldEvent {
    field: '$.digest.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageResultMarketFieldEvent {
    field: '$.result.market'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageResultIntervalFieldEvent {
    field: '$.result.interval'
    value: bigint
  }

  export interface GossipMessageResultSetHashFieldEvent {
    field: '$.result.setHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageResultRootFieldEvent {
    field: '$.result.root'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageResultTradeCountFieldEvent {
    field: '$.result.tradeCount'
    value: number
  }

  export interface GossipMessageResultAccountFieldEvent {
    field: '$.result.account'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageResultSignatureFieldEvent {
    field: '$.result.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GossipMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GossipMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GossipMessage>): GossipMessage {
    return decodeMessage(buf, GossipMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GossipMessage>): Generator<GossipMessageOrderMarketFieldEvent | GossipMessageOrderIntervalFieldEvent | GossipMessageOrderSideFieldEvent | GossipMessageOrderQuantityWhFieldEvent | GossipMessageOrderLimitPriceFieldEvent | GossipMessageOrderAccountFieldEvent | GossipMessageOrderNonceFieldEvent | GossipMessageOrderExpiryFieldEvent | GossipMessageOrderSignatureFieldEvent | GossipMessageCancelMarketFieldEvent | GossipMessageCancelIntervalFieldEvent | GossipMessageCancelAccountFieldEvent | GossipMessageCancelOrderIdFieldEvent | GossipMessageCancelSignatureFieldEvent | GossipMessageDigestMarketFieldEvent | GossipMessageDigestIntervalFieldEvent | GossipMessageDigestCountFieldEvent | GossipMessageDigestSetHashFieldEvent | GossipMessageDigestIdsFieldEvent | GossipMessageDigestAccountFieldEvent | GossipMessageDigestSignatureFieldEvent | GossipMessageResultMarketFieldEvent | GossipMessageResultIntervalFieldEvent | GossipMessageResultSetHashFieldEvent | GossipMessageResultRootFieldEvent | GossipMessageResultTradeCountFieldEvent | GossipMessageResultAccountFieldEvent | GossipMessageResultSignatureFieldEvent> {
    return streamMessage(buf, GossipMessage.codec(), opts)
  }
}

export interface SignedEnvelope {
  market: Uint8Array<ArrayBuffer>
  interval: bigint
  feederImportWh: bigint[]
  feederExportWh: bigint[]
  transformerImportWh: bigint[]
  transformerExportWh: bigint[]
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedEnvelope {
  let _codec: Codec<SignedEnvelope>

  export const codec = (): Codec<SignedEnvelope> => {
    if (_codec == null) {
      _codec = message<SignedEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.market != null && obj.market.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.market)
        }

        if ((obj.interval != null && obj.interval !== 0n)) {
          w.uint32(16)
          w.uint64(obj.interval)
        }

        if (obj.feederImportWh != null && obj.feederImportWh.length > 0) {
          for (const value of obj.feederImportWh) {
            w.uint32(24)
            w.uint64(value)
          }
        }

        if (obj.feederExportWh != null && obj.feederExportWh.length > 0) {
          for (const value of obj.feederExportWh) {
            w.uint32(32)
            w.uint64(value)
          }
        }

        if (obj.transformerImportWh != null && obj.transformerImportWh.length > 0) {
          for (const value of obj.transformerImportWh) {
            w.uint32(40)
            w.uint64(value)
          }
        }

        if (obj.transformerExportWh != null && obj.transformerExportWh.length > 0) {
          for (const value of obj.transformerExportWh) {
            w.uint32(48)
            w.uint64(value)
          }
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          market: uint8ArrayAlloc(0),
          interval: 0n,
          feederImportWh: [],
          feederExportWh: [],
          transformerImportWh: [],
          transformerExportWh: [],
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.market = reader.bytes()
              break
            }
            case 2: {
              obj.interval = reader.uint64()
              break
            }
            case 3: {
              if (opts.limits?.feederImportWh != null && obj.feederImportWh.length === opts.limits.feederImportWh) {
                throw new MaxLengthError('Decode error - repeated field "feederImportWh" had too many elements')
              }

              obj.feederImportWh.push(reader.uint64())
              break
            }
            case 4: {
              if (opts.limits?.feederExportWh != null && obj.feederExportWh.length === opts.limits.feederExportWh) {
                throw new MaxLengthError('Decode error - repeated field "feederExportWh" had too many elements')
              }

              obj.feederExportWh.push(reader.uint64())
              break
            }
            case 5: {
              if (opts.limits?.transformerImportWh != null && obj.transformerImportWh.length === opts.limits.transformerImportWh) {
                throw new MaxLengthError('Decode error - repeated field "transformerImportWh" had too many elements')
              }

              obj.transformerImportWh.push(reader.uint64())
              break
            }
            case 6: {
              if (opts.limits?.transformerExportWh != null && obj.transformerExportWh.length === opts.limits.transformerExportWh) {
                throw new MaxLengthError('Decode error - repeated field "transformerExportWh" had too many elements')
              }

              obj.transformerExportWh.push(reader.uint64())
              break
            }
            case 7: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          feederImportWh: 0,
          feederExportWh: 0,
          transformerImportWh: 0,
          transformerExportWh: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.market`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.interval`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              if (opts.limits?.feederImportWh != null && obj.feederImportWh === opts.limits.feederImportWh) {
                throw new MaxLengthError('Streaming decode error - repeated field "feederImportWh" had too many elements')
              }

              yield {
                field: `${prefix}.feederImportWh[]`,
                index: obj.feederImportWh,
                value: reader.uint64()
              }

              obj.feederImportWh++

              break
            }
            case 4: {
              if (opts.limits?.feederExportWh != null && obj.feederExportWh === opts.limits.feederExportWh) {
                throw new MaxLengthError('Streaming decode error - repeated field "feederExportWh" had too many elements')
              }

              yield {
                field: `${prefix}.feederExportWh[]`,
                index: obj.feederExportWh,
                value: reader.uint64()
              }

              obj.feederExportWh++

              break
            }
            case 5: {
              if (opts.limits?.transformerImportWh != null && obj.transformerImportWh === opts.limits.transformerImportWh) {
                throw new MaxLengthError('Streaming decode error - repeated field "transformerImportWh" had too many elements')
              }

              yield {
                field: `${prefix}.transformerImportWh[]`,
                index: obj.transformerImportWh,
                value: reader.uint64()
              }

              obj.transformerImportWh++

              break
            }
            case 6: {
              if (opts.limits?.transformerExportWh != null && obj.transformerExportWh === opts.limits.transformerExportWh) {
                throw new MaxLengthError('Streaming decode error - repeated field "transformerExportWh" had too many elements')
              }

              yield {
                field: `${prefix}.transformerExportWh[]`,
                index: obj.transformerExportWh,
                value: reader.uint64()
              }

              obj.transformerExportWh++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedEnvelopeMarketFieldEvent {
    field: '$.market'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedEnvelopeIntervalFieldEvent {
    field: '$.interval'
    value: bigint
  }

  export interface SignedEnvelopeFeederImportWhFieldEvent {
    field: '$.feederImportWh[]'
    index: number
    value: bigint
  }

  export interface SignedEnvelopeFeederExportWhFieldEvent {
    field: '$.feederExportWh[]'
    index: number
    value: bigint
  }

  export interface SignedEnvelopeTransformerImportWhFieldEvent {
    field: '$.transformerImportWh[]'
    index: number
    value: bigint
  }

  export interface SignedEnvelopeTransformerExportWhFieldEvent {
    field: '$.transformerExportWh[]'
    index: number
    value: bigint
  }

  export interface SignedEnvelopeSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedEnvelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedEnvelope>): SignedEnvelope {
    return decodeMessage(buf, SignedEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedEnvelope>): Generator<SignedEnvelopeMarketFieldEvent | SignedEnvelopeIntervalFieldEvent | SignedEnvelopeFeederImportWhFieldEvent | SignedEnvelopeFeederExportWhFieldEvent | SignedEnvelopeTransformerImportWhFieldEvent | SignedEnvelopeTransformerExportWhFieldEvent | SignedEnvelopeSignatureFieldEvent> {
    return streamMessage(buf, SignedEnvelope.codec(), opts)
  }
}
