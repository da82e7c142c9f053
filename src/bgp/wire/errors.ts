import { DecodeError } from '../../util/errors';

/**
 * A decode failure that maps 1:1 to a NOTIFICATION (RFC 4271 §6): the session
 * layer sends {code, subcode, data} and closes.
 */
export class BgpError extends DecodeError {
  override readonly name: string = 'BgpError';
  constructor(
    message: string,
    readonly code: number,
    readonly subcode: number,
    readonly data: Uint8Array = new Uint8Array(0),
    offset = -1,
  ) {
    super(message, offset);
  }
}

/** NOTIFICATION error codes (RFC 4271 §4.5, RFC 7313, RFC 9384 registry). */
export const enum ErrCode {
  MESSAGE_HEADER = 1,
  OPEN_MESSAGE = 2,
  UPDATE_MESSAGE = 3,
  HOLD_TIMER_EXPIRED = 4,
  FSM = 5,
  CEASE = 6,
  ROUTE_REFRESH = 7,
}

export const enum HeaderSub {
  CONNECTION_NOT_SYNCHRONIZED = 1,
  BAD_MESSAGE_LENGTH = 2,
  BAD_MESSAGE_TYPE = 3,
}

export const enum OpenSub {
  UNSPECIFIC = 0,
  UNSUPPORTED_VERSION = 1,
  BAD_PEER_AS = 2,
  BAD_BGP_IDENTIFIER = 3,
  UNSUPPORTED_OPTIONAL_PARAMETER = 4,
  UNACCEPTABLE_HOLD_TIME = 6,
  UNSUPPORTED_CAPABILITY = 7,
  ROLE_MISMATCH = 11,
}

export const enum UpdateSub {
  MALFORMED_ATTRIBUTE_LIST = 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE = 2,
  MISSING_WELL_KNOWN_ATTRIBUTE = 3,
  ATTRIBUTE_FLAGS_ERROR = 4,
  ATTRIBUTE_LENGTH_ERROR = 5,
  INVALID_ORIGIN_ATTRIBUTE = 6,
  INVALID_NEXT_HOP_ATTRIBUTE = 8,
  OPTIONAL_ATTRIBUTE_ERROR = 9,
  INVALID_NETWORK_FIELD = 10,
  MALFORMED_AS_PATH = 11,
}

/**
 * RFC 7606 §2 outcomes, ordered by strength. When several faults are found in
 * one UPDATE the strongest wins (RFC 7606 §3 (i)).
 */
export const enum Action {
  NONE = 0,
  ATTRIBUTE_DISCARD = 1,
  TREAT_AS_WITHDRAW = 2,
  AFI_SAFI_DISABLE = 3,
  SESSION_RESET = 4,
}

export const ACTION_NAMES: Record<Action, string> = {
  [Action.NONE]: 'none',
  [Action.ATTRIBUTE_DISCARD]: 'attribute-discard',
  [Action.TREAT_AS_WITHDRAW]: 'treat-as-withdraw',
  [Action.AFI_SAFI_DISABLE]: 'afi-safi-disable',
  [Action.SESSION_RESET]: 'session-reset',
};

export function strongest(a: Action, b: Action): Action {
  return a > b ? a : b;
}

/** One fault found while decoding an UPDATE, with the action RFC 7606 assigns to it. */
export interface AttrFault {
  /** Attribute type code, or -1 for faults in the NLRI or withdrawn fields. */
  attrType: number;
  action: Action;
  /** The NOTIFICATION to send if the action is session-reset. */
  subcode: UpdateSub;
  reason: string;
}
