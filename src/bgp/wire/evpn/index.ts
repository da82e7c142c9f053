/** EVPN NLRI (AFI 25 / SAFI 70): value types, codecs, keys and builders. */
export * from './types';
export { EvpnNlriError, evpnRouteTypeName, evpnRouteValueLength, encodingLengthEvpnRoute, encodeEvpnRoute, decodeEvpnRoute, encodingLengthEvpnNlri, encodeEvpnNlri, decodeEvpnNlri, decodeEvpnNlriList, encodingLengthEvpnNlriList, encodeEvpnNlriList, evpnNlriCodec, type EvpnNlriListResult } from './nlri';
export { RD_LENGTH, rdToString, parseRd, rdEquals, isRawRd, toRd, type KnownRouteDistinguisher } from './rd';
export { ESI_LENGTH, MAX_ESI, parseEsi, describeEsi, formatEsi, isZeroEsi, esiBytes, type EsiInfo } from './esi';
export { evpnRouteKey, evpnRouteKeyAt, evpnNlriKey, keyToHex, formatRoute, describeNlri, type FormatOptions } from './key';
export * from './builders';
