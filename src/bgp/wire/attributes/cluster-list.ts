import { readIpv4, writeIpv4, type Ip } from '../../../util/ip';
import type { Reader } from '../../../util/reader';
import { AttrType } from '../iana';
import { lengthError } from './attribute';

/*
 * CLUSTER_LIST (type 10, optional non-transitive; RFC 4456 §8): a sequence of
 * 4-octet CLUSTER_ID values, most recent first.
 *
 * RFC 7606 §7.10: from an external peer it is discarded (attribute discard,
 * decided by the attribute list); otherwise a length that is not a non-zero
 * multiple of 4 is malformed (treat-as-withdraw).
 */

export interface ClusterListAttr {
  type: AttrType.CLUSTER_LIST;
  flags: number;
  clusterList: Ip[];
}

export function encodingLength(a: ClusterListAttr): number {
  return 4 * a.clusterList.length;
}

export function encode(a: ClusterListAttr, buf: Uint8Array, off: number): number {
  for (const id of a.clusterList) off = writeIpv4(buf, off, id);
  return off;
}

export function decode(r: Reader, flags: number): ClusterListAttr {
  const n = r.remaining;
  if (n === 0 || n % 4 !== 0) throw lengthError('CLUSTER_LIST', n, 'a non-zero multiple of 4', r.pos);
  const clusterList: Ip[] = [];
  while (!r.atEnd) clusterList.push(readIpv4(r));
  return { type: AttrType.CLUSTER_LIST, flags, clusterList };
}
