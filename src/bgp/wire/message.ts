import { Reader } from '../../util/reader';
import type { UpdateCtx } from './attributes/attribute';
import { BgpError, ErrCode, HeaderSub } from './errors';
import * as header from './header';
import { MsgType } from './iana';
import * as keepalive from './keepalive';
import * as notification from './notification';
import * as open from './open';
import * as routeRefresh from './route-refresh';
import * as update from './update';

/** Any BGP message, discriminated by its header type (RFC 4271 §4.1). */
export type BgpMessage =
  | { type: MsgType.OPEN; open: open.OpenMessage }
  | { type: MsgType.UPDATE; update: update.DecodedUpdate }
  | { type: MsgType.NOTIFICATION; notification: notification.NotificationMessage }
  | { type: MsgType.KEEPALIVE }
  | { type: MsgType.ROUTE_REFRESH; routeRefresh: routeRefresh.RouteRefreshMessage };

export const MSG_TYPE_NAMES: Record<number, string> = {
  [MsgType.OPEN]: 'OPEN',
  [MsgType.UPDATE]: 'UPDATE',
  [MsgType.NOTIFICATION]: 'NOTIFICATION',
  [MsgType.KEEPALIVE]: 'KEEPALIVE',
  [MsgType.ROUTE_REFRESH]: 'ROUTE-REFRESH',
};

/**
 * Decodes one whole message (header included) as cut by the Framer. Throws
 * BgpError for faults that end the session; UPDATE attribute faults come
 * back inside the value as RFC 7606 actions.
 */
export function decodeMessage(msg: Uint8Array, ctx: UpdateCtx, start = 0, end = msg.length): BgpMessage {
  const r = new Reader(msg, start, end);
  const h = header.decode(r, { extendedMessage: ctx.extendedMessage });
  if (h.length !== end - start) {
    throw new BgpError(`message length field ${h.length} but ${end - start} octets given`, ErrCode.MESSAGE_HEADER, HeaderSub.BAD_MESSAGE_LENGTH);
  }
  switch (h.type) {
    case MsgType.OPEN:
      return { type: MsgType.OPEN, open: open.decodeBody(r) };
    case MsgType.UPDATE:
      return { type: MsgType.UPDATE, update: update.decodeBody(r, ctx) };
    case MsgType.NOTIFICATION:
      return { type: MsgType.NOTIFICATION, notification: notification.decodeBody(r) };
    case MsgType.KEEPALIVE:
      return { type: MsgType.KEEPALIVE };
    case MsgType.ROUTE_REFRESH:
      return { type: MsgType.ROUTE_REFRESH, routeRefresh: routeRefresh.decodeBody(r, msg.subarray(start, end)) };
    default:
      throw new BgpError(`unknown message type ${h.type}`, ErrCode.MESSAGE_HEADER, HeaderSub.BAD_MESSAGE_TYPE, Uint8Array.of(h.type));
  }
}

/** Encodes any message to fresh bytes. */
export function encodeMessage(m: BgpMessage, ctx: UpdateCtx): Uint8Array {
  switch (m.type) {
    case MsgType.OPEN: {
      const b = new Uint8Array(open.encodingLength(m.open));
      open.encode(m.open, b, 0);
      return b;
    }
    case MsgType.UPDATE:
      return update.encodeToBytes(m.update, ctx);
    case MsgType.NOTIFICATION: {
      const b = new Uint8Array(notification.encodingLength(m.notification));
      notification.encode(m.notification, b, 0);
      return b;
    }
    case MsgType.KEEPALIVE:
      return keepalive.keepaliveBytes();
    case MsgType.ROUTE_REFRESH: {
      const b = new Uint8Array(routeRefresh.encodingLength(m.routeRefresh));
      routeRefresh.encode(m.routeRefresh, b, 0);
      return b;
    }
  }
}
