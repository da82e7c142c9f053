/*
 * The UPDATE lines of the 'Full message listing' in ../../../../shared/vectors/README.md
 * (decoded there by an independent decoder), copied so that the golden test does not parse prose.
 */

export interface ListedUpdate {
  dir: string;
  line: string;
  nlri: string[];
}

export const LISTING: Record<string, ListedUpdate[]> = {
  'frr-frr-ibgp-evpn.pcap': [
    {
      dir: '10.98.0.1 -> 10.98.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[] MED=0 LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:1000 Router-MAC:02:aa:00:00:10:00',
      nlri: [
        '+ type-5 IP-Prefix RD 10.98.0.1:1 ESI 0 etag 0 prefix 10.100.0.0/24 gw 0.0.0.0 label 1000',
        '+ type-5 IP-Prefix RD 10.98.0.1:1 ESI 0 etag 0 prefix 10.200.0.0/24 gw 0.0.0.0 label 1000',
      ],
    },
    {
      dir: '10.98.0.1 -> 10.98.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:100 PMSI=flags 0 type 6 label 100 id 10.98.0.1',
      nlri: [
        '+ type-3 IMET RD 10.98.0.1:2 etag 0 orig 10.98.0.1',
      ],
    },
    {
      dir: '10.98.0.1 -> 10.98.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:200 PMSI=flags 0 type 6 label 200 id 10.98.0.1',
      nlri: [
        '+ type-3 IMET RD 10.98.0.1:3 etag 0 orig 10.98.0.1',
      ],
    },
    {
      dir: '10.98.0.1 -> 10.98.0.2',
      line: 'UPDATE End-of-RIB (L2VPN EVPN)',
      nlri: []
    },
    {
      dir: '10.98.0.2 -> 10.98.0.1',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[] MED=0 LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:1000 Router-MAC:02:bb:00:00:10:00',
      nlri: [
        '+ type-5 IP-Prefix RD 10.98.0.2:1 ESI 0 etag 0 prefix 10.100.0.0/24 gw 0.0.0.0 label 1000',
        '+ type-5 IP-Prefix RD 10.98.0.2:1 ESI 0 etag 0 prefix 10.200.0.0/24 gw 0.0.0.0 label 1000',
      ],
    },
    {
      dir: '10.98.0.2 -> 10.98.0.1',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:100 PMSI=flags 0 type 6 label 100 id 10.98.0.2',
      nlri: [
        '+ type-3 IMET RD 10.98.0.2:2 etag 0 orig 10.98.0.2',
      ],
    },
    {
      dir: '10.98.0.2 -> 10.98.0.1',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:200 PMSI=flags 0 type 6 label 200 id 10.98.0.2',
      nlri: [
        '+ type-3 IMET RD 10.98.0.2:3 etag 0 orig 10.98.0.2',
      ],
    },
    {
      dir: '10.98.0.2 -> 10.98.0.1',
      line: 'UPDATE End-of-RIB (L2VPN EVPN)',
      nlri: []
    },
    {
      dir: '10.98.0.1 -> 10.98.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:100',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.1:2 ESI 0 etag 0 MAC 02:cc:00:00:00:11 IP - label1 100',
      ],
    },
    {
      dir: '10.98.0.1 -> 10.98.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:100 RT:65100:1000 Router-MAC:02:aa:00:00:10:00',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.1:2 ESI 0 etag 0 MAC 02:cc:00:00:00:11 IP 10.100.0.11 label1 100 label2 1000',
      ],
    },
    {
      dir: '10.98.0.2 -> 10.98.0.1',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:100',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.2:2 ESI 0 etag 0 MAC 02:cc:00:00:00:12 IP - label1 100',
      ],
    },
    {
      dir: '10.98.0.2 -> 10.98.0.1',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:100 RT:65100:1000 Router-MAC:02:bb:00:00:10:00',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.2:2 ESI 0 etag 0 MAC 02:cc:00:00:00:12 IP 10.100.0.12 label1 100 label2 1000',
      ],
    },
    {
      dir: '10.98.0.2 -> 10.98.0.1',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:200',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.2:3 ESI 0 etag 0 MAC 02:cc:00:00:00:13 IP - label1 200',
      ],
    },
    {
      dir: '10.98.0.2 -> 10.98.0.1',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[] LOCAL_PREF=100 EXTCOMM=Encap:tunnel-type-8 RT:65100:200 RT:65100:1000 Router-MAC:02:bb:00:00:10:00',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.2:3 ESI 0 etag 0 MAC 02:cc:00:00:00:13 IP 10.200.0.13 label1 200 label2 1000',
      ],
    },
    {
      dir: '10.98.0.1 -> 10.98.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.97.0.2) ORIGIN=INCOMPLETE AS_PATH=[65200] LOCAL_PREF=100 EXTCOMM=RT:65100:100 Encap:tunnel-type-8',
      nlri: [
        '+ type-2 MAC/IP RD 10.97.0.2:100 ESI 0 etag 0 MAC 02:dd:00:00:00:01 IP - label1 100',
        '+ type-2 MAC/IP RD 10.97.0.2:100 ESI 0 etag 0 MAC 02:dd:00:00:00:02 IP 10.100.0.52 label1 100',
      ],
    },
    {
      dir: '10.98.0.1 -> 10.98.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.97.0.2) ORIGIN=INCOMPLETE AS_PATH=[65200] LOCAL_PREF=100 EXTCOMM=RT:65100:100 Encap:tunnel-type-8 PMSI=flags 0 type 6 label 100 id 10.97.0.2',
      nlri: [
        '+ type-3 IMET RD 10.97.0.2:100 etag 0 orig 10.97.0.2',
      ],
    },
    {
      dir: '10.98.0.1 -> 10.98.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.97.0.2) ORIGIN=INCOMPLETE AS_PATH=[65200] LOCAL_PREF=100 EXTCOMM=RT:65100:1000 Encap:tunnel-type-8 Router-MAC:02:dd:00:00:10:00',
      nlri: [
        '+ type-5 IP-Prefix RD 10.97.0.2:1000 ESI 0 etag 0 prefix 10.250.0.0/24 gw 0.0.0.0 label 1000',
      ],
    },
  ],
  'gobgp-frr-ebgp-evpn.pcap': [
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[65100] MED=0 EXTCOMM=Encap:tunnel-type-8 RT:65100:1000 Router-MAC:02:aa:00:00:10:00',
      nlri: [
        '+ type-5 IP-Prefix RD 10.98.0.1:1 ESI 0 etag 0 prefix 10.100.0.0/24 gw 0.0.0.0 label 1000',
        '+ type-5 IP-Prefix RD 10.98.0.1:1 ESI 0 etag 0 prefix 10.200.0.0/24 gw 0.0.0.0 label 1000',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=Encap:tunnel-type-8 RT:65100:100 PMSI=flags 0 type 6 label 100 id 10.98.0.1',
      nlri: [
        '+ type-3 IMET RD 10.98.0.1:2 etag 0 orig 10.98.0.1',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=Encap:tunnel-type-8 RT:65100:200 PMSI=flags 0 type 6 label 200 id 10.98.0.1',
      nlri: [
        '+ type-3 IMET RD 10.98.0.1:3 etag 0 orig 10.98.0.1',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=RT:65100:1000 Encap:tunnel-type-8 Router-MAC:02:bb:00:00:10:00',
      nlri: [
        '+ type-5 IP-Prefix RD 10.98.0.2:1 ESI 0 etag 0 prefix 10.100.0.0/24 gw 0.0.0.0 label 1000',
        '+ type-5 IP-Prefix RD 10.98.0.2:1 ESI 0 etag 0 prefix 10.200.0.0/24 gw 0.0.0.0 label 1000',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=RT:65100:100 Encap:tunnel-type-8 PMSI=flags 0 type 6 label 100 id 10.98.0.2',
      nlri: [
        '+ type-3 IMET RD 10.98.0.2:2 etag 0 orig 10.98.0.2',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=RT:65100:200 Encap:tunnel-type-8 PMSI=flags 0 type 6 label 200 id 10.98.0.2',
      nlri: [
        '+ type-3 IMET RD 10.98.0.2:3 etag 0 orig 10.98.0.2',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=Encap:tunnel-type-8 RT:65100:100',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.1:2 ESI 0 etag 0 MAC 02:cc:00:00:00:11 IP - label1 100',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.1) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=Encap:tunnel-type-8 RT:65100:100 RT:65100:1000 Router-MAC:02:aa:00:00:10:00',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.1:2 ESI 0 etag 0 MAC 02:cc:00:00:00:11 IP 10.100.0.11 label1 100 label2 1000',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=RT:65100:100 Encap:tunnel-type-8',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.2:2 ESI 0 etag 0 MAC 02:cc:00:00:00:12 IP - label1 100',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=RT:65100:100 RT:65100:1000 Encap:tunnel-type-8 Router-MAC:02:bb:00:00:10:00',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.2:2 ESI 0 etag 0 MAC 02:cc:00:00:00:12 IP 10.100.0.12 label1 100 label2 1000',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=RT:65100:200 Encap:tunnel-type-8',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.2:3 ESI 0 etag 0 MAC 02:cc:00:00:00:13 IP - label1 200',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.98.0.2) ORIGIN=IGP AS_PATH=[65100] EXTCOMM=RT:65100:200 RT:65100:1000 Encap:tunnel-type-8 Router-MAC:02:bb:00:00:10:00',
      nlri: [
        '+ type-2 MAC/IP RD 10.98.0.2:3 ESI 0 etag 0 MAC 02:cc:00:00:00:13 IP 10.200.0.13 label1 200 label2 1000',
      ],
    },
    {
      dir: '10.97.0.2 -> 10.97.0.1',
      line: 'UPDATE ORIGIN=INCOMPLETE AS_PATH=[65200] MP_REACH(25/70 nh 10.97.0.2) EXTCOMM=RT:65100:100 Encap:tunnel-type-8',
      nlri: [
        '+ type-2 MAC/IP RD 10.97.0.2:100 ESI 0 etag 0 MAC 02:dd:00:00:00:01 IP - label1 100',
      ],
    },
    {
      dir: '10.97.0.2 -> 10.97.0.1',
      line: 'UPDATE ORIGIN=INCOMPLETE AS_PATH=[65200] MP_REACH(25/70 nh 10.97.0.2) EXTCOMM=RT:65100:100 Encap:tunnel-type-8',
      nlri: [
        '+ type-2 MAC/IP RD 10.97.0.2:100 ESI 0 etag 0 MAC 02:dd:00:00:00:02 IP 10.100.0.52 label1 100',
      ],
    },
    {
      dir: '10.97.0.2 -> 10.97.0.1',
      line: 'UPDATE ORIGIN=INCOMPLETE AS_PATH=[65200] MP_REACH(25/70 nh 10.97.0.2) EXTCOMM=RT:65100:100 Encap:tunnel-type-8 PMSI=flags 0 type 6 label 100 id 10.97.0.2',
      nlri: [
        '+ type-3 IMET RD 10.97.0.2:100 etag 0 orig 10.97.0.2',
      ],
    },
    {
      dir: '10.97.0.2 -> 10.97.0.1',
      line: 'UPDATE ORIGIN=INCOMPLETE AS_PATH=[65200] MP_REACH(25/70 nh 10.97.0.2) EXTCOMM=RT:65100:1000 Encap:tunnel-type-8 Router-MAC:02:dd:00:00:10:00',
      nlri: [
        '+ type-5 IP-Prefix RD 10.97.0.2:1000 ESI 0 etag 0 prefix 10.250.0.0/24 gw 0.0.0.0 label 1000',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.97.0.2) ORIGIN=INCOMPLETE AS_PATH=[65100 65200] EXTCOMM=RT:65100:100 Encap:tunnel-type-8',
      nlri: [
        '+ type-2 MAC/IP RD 10.97.0.2:100 ESI 0 etag 0 MAC 02:dd:00:00:00:01 IP - label1 100',
        '+ type-2 MAC/IP RD 10.97.0.2:100 ESI 0 etag 0 MAC 02:dd:00:00:00:02 IP 10.100.0.52 label1 100',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.97.0.2) ORIGIN=INCOMPLETE AS_PATH=[65100 65200] EXTCOMM=RT:65100:100 Encap:tunnel-type-8 PMSI=flags 0 type 6 label 100 id 10.97.0.2',
      nlri: [
        '+ type-3 IMET RD 10.97.0.2:100 etag 0 orig 10.97.0.2',
      ],
    },
    {
      dir: '10.97.0.1 -> 10.97.0.2',
      line: 'UPDATE MP_REACH(25/70 nh 10.97.0.2) ORIGIN=INCOMPLETE AS_PATH=[65100 65200] EXTCOMM=RT:65100:1000 Encap:tunnel-type-8 Router-MAC:02:dd:00:00:10:00',
      nlri: [
        '+ type-5 IP-Prefix RD 10.97.0.2:1000 ESI 0 etag 0 prefix 10.250.0.0/24 gw 0.0.0.0 label 1000',
      ],
    },
  ],
};
