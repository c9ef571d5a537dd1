#!/usr/bin/env python3
"""Answers every TCP SYN to one IPv4 port with a RST,ACK whose ACK does not acknowledge the SYN.

Used by scripts/gen-kernel-fixtures.sh (scenario rst-bad-ack) in the server's network
namespace. It reads frames from a packet socket on one interface, so it sees each SYN before
the server's own firewall drops it (the generator adds an INPUT DROP rule, so the server's
kernel never answers), and it sends its reply as a whole Ethernet frame on the same socket.

RFC 9293 section 3.10.7.3: in SYN-SENT a RST is acceptable only if its ACK acknowledges the
SYN (SND.UNA < SEG.ACK =< SND.NXT, that is ISN + 1 for a SYN without data). This one carries
ACK = ISN + 1 + 65536, so a conforming client must drop it.

Usage: rst-responder.py --interface IF --port PORT --ready FILE [--lifetime SECONDS]
Plain python3, standard library only; Linux only (AF_PACKET).
"""
import argparse
import socket
import struct
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
IPPROTO_TCP = 6
TCP_SYN = 0x02
TCP_RST = 0x04
TCP_ACK = 0x10
# How far past ISN + 1 the reset's ACK points: 64 KiB the client never sent.
ACK_OFFSET = 65536


def checksum(data: bytes) -> int:
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def reset_for(frame: bytes, port: int):
    """The reply frame for a SYN to `port`, or None when the frame is anything else."""
    if len(frame) < 14 + 20 + 20 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ihl < 20 or ip[9] != IPPROTO_TCP or len(ip) < ihl + 20:
        return None
    # A non-first fragment carries no TCP header.
    if struct.unpack("!H", ip[6:8])[0] & 0x1FFF:
        return None
    src, dst = ip[12:16], ip[16:20]
    tcp = ip[ihl:]
    sport, dport, seq = struct.unpack("!HHI", tcp[0:8])
    flags = tcp[13]
    if dport != port or flags & (TCP_SYN | TCP_ACK | TCP_RST) != TCP_SYN:
        return None
    ack = (seq + 1 + ACK_OFFSET) & 0xFFFFFFFF
    # TCP header (RFC 9293 section 3.1): ports, seq 0, the wrong ack, offset 5, RST+ACK, window 0.
    header = struct.pack("!HHIIBBHHH", dport, sport, 0, ack, 5 << 4, TCP_RST | TCP_ACK, 0, 0, 0)
    # Pseudo-header from the reply's point of view: the SYN's destination is its source.
    pseudo = dst + src + struct.pack("!BBH", 0, IPPROTO_TCP, len(header))
    header = header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]
    # IPv4 header (RFC 791): TTL 64, DF, from the SYN's destination back to its source.
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(header), 0, 0x4000, 64, IPPROTO_TCP, 0, dst, src)
    iph = iph[:10] + struct.pack("!H", checksum(iph)) + iph[12:]
    # Ethernet: back to the SYN's sender.
    return frame[6:12] + frame[0:6] + frame[12:14] + iph + header


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interface", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--lifetime", type=float, default=300.0)
    args = parser.parse_args()

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((args.interface, 0))
    sock.settimeout(0.5)
    with open(args.ready, "w") as ready:
        ready.write("ready\n")
    # Bounded even if the generator dies without stopping us.
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        try:
            frame, address = sock.recvfrom(65535)
        except socket.timeout:
            continue
        # Only frames that arrived on the interface, not the ones we (or the kernel) sent.
        if address[2] == socket.PACKET_OUTGOING:
            continue
        reply = reset_for(frame, args.port)
        if reply is not None:
            sock.send(reply)


if __name__ == "__main__":
    main()
