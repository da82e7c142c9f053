/**
 * What a BGP decoder or encoder needs to know about the session: the
 * negotiated capabilities change the wire format (RFC 6793, RFC 7911, RFC 8654).
 */
export interface BgpCtx {
  /** Both sides sent the 4-octet AS capability: AS_PATH carries 4-octet ASNs. */
  fourOctetAs: boolean;
  /** Both sides agreed on extended messages: the length limit is 65535. */
  extendedMessage: boolean;
  /**
   * "afi/safi" keys whose NLRI carry ADD-PATH path identifiers (RFC 7911) in
   * the direction being coded: for decoding what the peer sent, the families
   * we receive paths for; for encoding what we send, pass the negotiated
   * addPathTx set here instead.
   */
  addPathRx: ReadonlySet<string>;
}

/** What a modern peer (FRR, GoBGP) negotiates by default: 4-octet AS, no ADD-PATH. */
export const DEFAULT_CTX: BgpCtx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set() };

export function afiSafiKey(afi: number, safi: number): string {
  return `${afi}/${safi}`;
}
