"""Raw frame helper for the data-plane topology tests (stdlib only).

  rawpkt.py send IF DSTMAC ETHERTYPE COUNT     one frame per COUNT from IF's MAC, payload tagged
  rawpkt.py count IF ETHERTYPE SECONDS         prints how many such frames IF received
  rawpkt.py vxlan SRC_IP DST_IP PORT HEX COUNT sends COUNT UDP datagrams with payload HEX from SRC_IP
"""
import socket
import sys
import time


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(':'))


def main():
    cmd = sys.argv[1]
    if cmd == 'send':
        ifname, dst, etype, count = sys.argv[2], sys.argv[3], int(sys.argv[4], 0), int(sys.argv[5])
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ifname, 0))
        src = mac_bytes(open('/sys/class/net/%s/address' % ifname).read().strip())
        for i in range(count):
            payload = b'evpn-vtep-test-%06d' % i
            frame = mac_bytes(dst) + src + etype.to_bytes(2, 'big') + payload
            s.send(frame.ljust(60, b'\0'))
            time.sleep(0.002)
    elif cmd == 'count':
        ifname, etype, secs = sys.argv[2], int(sys.argv[3], 0), float(sys.argv[4])
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(etype))
        s.bind((ifname, 0))
        s.settimeout(0.1)
        print('listening', flush=True)
        n = 0
        end = time.time() + secs
        while time.time() < end:
            try:
                data, addr = s.recvfrom(65535)
            except socket.timeout:
                continue
            if addr[2] != socket.PACKET_OUTGOING:
                n += 1
        print(n, flush=True)
    elif cmd == 'vxlan':
        src, dst, port, payload, count = sys.argv[2], sys.argv[3], int(sys.argv[4]), bytes.fromhex(sys.argv[5]), int(sys.argv[6])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        for _ in range(count):
            s.sendto(payload, (dst, port))
            time.sleep(0.002)
    else:
        raise SystemExit('unknown command ' + cmd)


main()
