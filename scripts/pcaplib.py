"""pcaplib - small capture helpers shared by the evaluation scripts.

Reading pcap (micro- and nanosecond, either byte order) and pcapng (section
header, interface description with if_tsresol, enhanced and simple packet
blocks), writing nanosecond pcap (Ethernet), and just enough Ethernet/IP
parsing to find and rewrite a frame's addresses. Pure Python (struct), no
dependencies: the evaluation scripts must run wherever python3 does.
"""
import socket
import struct

LINKTYPE_ETHERNET = 1


# ---- capture reading (pcap and pcapng) ------------------------------------

def read_capture(path):
    """[(ts_ns, frame bytes, wirelen)] and the link type."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    out = []
    if magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",
                 b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        le = magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
        e = "<" if le else ">"
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        link = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
        off = 24
        while off + 16 <= len(data):
            s, sub, cl, wl = struct.unpack(e + "IIII", data[off:off + 16])
            off += 16
            if off + cl > len(data):
                break
            ts = s * 10**9 + (sub if nano else sub * 1000)
            out.append((ts, data[off:off + cl], wl))
            off += cl
        return out, link
    if magic == b"\x0a\x0d\x0d\x0a":
        off, e, links, res = 0, "<", [], []
        while off + 12 <= len(data):
            btype = struct.unpack(e + "I", data[off:off + 4])[0]
            if btype == 0x0A0D0D0A:
                bom = data[off + 8:off + 12]
                e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
                links, res = [], []
            blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
            if blen < 12 or off + blen > len(data):
                break
            body = data[off + 8:off + blen - 4]
            if btype == 1:
                links.append(struct.unpack(e + "H", body[:2])[0])
                r = 10**6
                o = 8
                while o + 4 <= len(body):
                    code, ln = struct.unpack(e + "HH", body[o:o + 4])
                    if code == 0:
                        break
                    if code == 9 and ln >= 1:
                        v = body[o + 4]
                        r = 2**(v & 0x7F) if v & 0x80 else 10**v
                    o += 4 + ((ln + 3) & ~3)
                res.append(r)
            elif btype == 6:
                iface, hi, lo, cl, wl = struct.unpack(e + "IIIII", body[:20])
                t = (hi << 32) | lo
                r = res[iface] if iface < len(res) else 10**6
                out.append((t * 10**9 // r, body[20:20 + cl], wl))
            elif btype == 3:
                wl = struct.unpack(e + "I", body[:4])[0]
                out.append((out[-1][0] if out else 0, body[4:4 + wl], wl))
            off += blen
        return out, (links[0] if links else 1)
    raise ValueError("%s: not a pcap/pcapng file" % path)


# nanosecond pcap, link type Ethernet
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 1)


def pcap_record(ts, fr, wl):
    """One packet record of a PCAP_HEADER file."""
    return struct.pack("<IIII", ts // 10**9, ts % 10**9, len(fr),
                       max(wl, len(fr))) + fr


def write_pcap(path, pkts):
    """Nanosecond pcap, link type Ethernet, from [(ts_ns, frame, wirelen)]."""
    with open(path, "wb") as f:
        f.write(PCAP_HEADER)
        for ts, fr, wl in pkts:
            f.write(pcap_record(ts, fr, wl))


# ---- addresses -----------------------------------------------------------

def ipstr(b):
    if len(b) == 4:
        return "%d.%d.%d.%d" % tuple(b)
    return ":".join("%x" % int.from_bytes(b[i:i + 2], "big")
                    for i in range(0, 16, 2))


def ip4bytes(s):
    return socket.inet_aton(s)


def macstr(b):
    return ":".join("%02x" % x for x in b)


def macbytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def l3_offset(fr):
    """(ethertype, offset of the L3 header) of an Ethernet frame after any
    802.1Q/802.1ad tags, or (None, None) when too short."""
    if len(fr) < 14:
        return None, None
    off = 12
    et = int.from_bytes(fr[12:14], "big")
    while et in (0x8100, 0x88A8) and len(fr) >= off + 6:
        off += 4
        et = int.from_bytes(fr[off:off + 2], "big")
    return et, off + 2


def src_dst(fr):
    """(kind, src, dst) with kind 'ip', 'arp' or None."""
    et, off = l3_offset(fr)
    if et is None:
        return None, None, None
    if et == 0x0800 and len(fr) >= off + 20:
        return "ip", ipstr(fr[off + 12:off + 16]), ipstr(fr[off + 16:off + 20])
    if et == 0x86DD and len(fr) >= off + 40:
        return "ip", ipstr(fr[off + 8:off + 24]), ipstr(fr[off + 24:off + 40])
    if et == 0x0806 and len(fr) >= off + 28:
        return "arp", ipstr(fr[off + 14:off + 18]), ipstr(fr[off + 24:off + 28])
    return None, None, None


def ip4_checksum(hdr):
    """Internet checksum of an IPv4 header whose checksum field is zero."""
    if len(hdr) % 2:
        hdr = hdr + b"\0"
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF
