//! IPv4/IPv6 packets as they cross the TUN device: parsing what the container
//! sends and building what it receives, with the Internet checksum.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_ICMPV6: u8 = 58;

pub const TCP_FIN: u8 = 0x01;
pub const TCP_SYN: u8 = 0x02;
pub const TCP_RST: u8 = 0x04;
pub const TCP_PSH: u8 = 0x08;
pub const TCP_ACK: u8 = 0x10;

pub const IPV4_HEADER: usize = 20;
pub const IPV6_HEADER: usize = 40;
pub const TCP_HEADER: usize = 20;
pub const UDP_HEADER: usize = 8;

/// The network layer of a packet: addresses, protocol and where its payload starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    /// Offset of the transport header in the packet.
    pub offset: usize,
    /// End of the transport payload (the packet may carry padding after it).
    pub end: usize,
}

/// Parses the IP header. Fragments, options we do not follow and malformed
/// packets yield `None`: the stack drops them.
pub fn parse_ip(pkt: &[u8]) -> Option<Ip> {
    match pkt.first()? >> 4 {
        4 => {
            if pkt.len() < IPV4_HEADER {
                return None;
            }
            let ihl = usize::from(pkt[0] & 0x0f) * 4;
            let total = usize::from(u16::from_be_bytes([pkt[2], pkt[3]]));
            let frag = u16::from_be_bytes([pkt[6], pkt[7]]);
            // More-fragments flag or a fragment offset: not reassembled.
            if ihl < IPV4_HEADER || total < ihl || total > pkt.len() || frag & 0x3fff != 0 {
                return None;
            }
            Some(Ip {
                src: IpAddr::V4(Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15])),
                dst: IpAddr::V4(Ipv4Addr::new(pkt[16], pkt[17], pkt[18], pkt[19])),
                proto: pkt[9],
                offset: ihl,
                end: total,
            })
        }
        6 => {
            if pkt.len() < IPV6_HEADER {
                return None;
            }
            let payload = usize::from(u16::from_be_bytes([pkt[4], pkt[5]]));
            let end = IPV6_HEADER + payload;
            if end > pkt.len() {
                return None;
            }
            let src: [u8; 16] = pkt[8..24].try_into().ok()?;
            let dst: [u8; 16] = pkt[24..40].try_into().ok()?;
            Some(Ip {
                src: IpAddr::V6(Ipv6Addr::from(src)),
                dst: IpAddr::V6(Ipv6Addr::from(dst)),
                proto: pkt[6],
                offset: IPV6_HEADER,
                end,
            })
        }
        _ => None,
    }
}

/// A TCP segment's header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tcp {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    /// Offset of the payload within the segment.
    pub data_offset: usize,
    pub mss: Option<u16>,
    pub wscale: Option<u8>,
}

pub fn parse_tcp(seg: &[u8]) -> Option<Tcp> {
    if seg.len() < TCP_HEADER {
        return None;
    }
    let data_offset = usize::from(seg[12] >> 4) * 4;
    if data_offset < TCP_HEADER || data_offset > seg.len() {
        return None;
    }
    let mut tcp = Tcp {
        src_port: u16::from_be_bytes([seg[0], seg[1]]),
        dst_port: u16::from_be_bytes([seg[2], seg[3]]),
        seq: u32::from_be_bytes([seg[4], seg[5], seg[6], seg[7]]),
        ack: u32::from_be_bytes([seg[8], seg[9], seg[10], seg[11]]),
        flags: seg[13],
        window: u16::from_be_bytes([seg[14], seg[15]]),
        data_offset,
        mss: None,
        wscale: None,
    };
    if tcp.flags & TCP_SYN != 0 {
        let mut opts = &seg[TCP_HEADER..data_offset];
        while let Some(&kind) = opts.first() {
            match kind {
                0 => break,
                1 => opts = &opts[1..],
                _ => {
                    let len = usize::from(*opts.get(1)?);
                    if len < 2 || len > opts.len() {
                        break;
                    }
                    match (kind, len) {
                        (2, 4) => tcp.mss = Some(u16::from_be_bytes([opts[2], opts[3]])),
                        (3, 3) => tcp.wscale = Some(opts[2].min(14)),
                        _ => {}
                    }
                    opts = &opts[len..];
                }
            }
        }
    }
    Some(tcp)
}

/// Ones' complement sum of `data`, folded later by [`fold`].
pub fn sum(mut acc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let (s, carry) = acc.overflowing_add(w);
        acc = s + u64::from(carry);
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 8];
    tail[..rest.len()].copy_from_slice(rest);
    let w = u64::from_be_bytes(tail);
    let (s, carry) = acc.overflowing_add(w);
    s + u64::from(carry)
}

pub fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

fn pseudo_header_sum(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> u64 {
    let mut acc = 0u64;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            acc = sum(acc, &s.octets());
            acc = sum(acc, &d.octets());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            acc = sum(acc, &s.octets());
            acc = sum(acc, &d.octets());
        }
        _ => {}
    }
    acc + u64::from(proto) + len as u64
}

/// The length of the IP header for a packet from `src`.
pub fn ip_header_len(src: IpAddr) -> usize {
    if src.is_ipv6() {
        IPV6_HEADER
    } else {
        IPV4_HEADER
    }
}

/// Writes the IP header at the start of `pkt` for a transport segment of
/// `len` bytes that follows it; returns the header length.
pub fn write_ip(pkt: &mut [u8], src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> usize {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = (IPV4_HEADER + len) as u16;
            let h = &mut pkt[..IPV4_HEADER];
            h[0] = 0x45;
            h[1] = 0;
            h[2..4].copy_from_slice(&total.to_be_bytes());
            h[4..6].copy_from_slice(&[0, 0]);
            // Don't fragment: the MTU is shared with the container.
            h[6..8].copy_from_slice(&[0x40, 0]);
            h[8] = 64;
            h[9] = proto;
            h[10..12].copy_from_slice(&[0, 0]);
            h[12..16].copy_from_slice(&s.octets());
            h[16..20].copy_from_slice(&d.octets());
            let c = fold(sum(0, h));
            h[10..12].copy_from_slice(&c.to_be_bytes());
            IPV4_HEADER
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let h = &mut pkt[..IPV6_HEADER];
            h[0..4].copy_from_slice(&[0x60, 0, 0, 0]);
            h[4..6].copy_from_slice(&(len as u16).to_be_bytes());
            h[6] = proto;
            h[7] = 64;
            h[8..24].copy_from_slice(&s.octets());
            h[24..40].copy_from_slice(&d.octets());
            IPV6_HEADER
        }
        // Flows never mix families; write nothing rather than a bad header.
        _ => 0,
    }
}

/// Fields of a TCP segment to build.
#[derive(Debug, Clone, Copy)]
pub struct TcpOut {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    /// MSS and window-scale options (SYN-ACK only).
    pub syn_options: Option<(u16, Option<u8>)>,
}

/// Builds a whole TCP/IP packet in `pkt` around a payload already written at
/// [`tcp_payload_offset`]; returns the packet length.
pub fn build_tcp(pkt: &mut [u8], t: &TcpOut, payload_len: usize) -> usize {
    let hdr = write_tcp_header(pkt, t, payload_len);
    let ip_len = ip_header_len(t.src);
    let seg_len = hdr - ip_len + payload_len;
    let seg = &pkt[ip_len..ip_len + seg_len];
    let c = fold(sum(
        pseudo_header_sum(t.src, t.dst, PROTO_TCP, seg_len),
        seg,
    ));
    pkt[ip_len + 16..ip_len + 18].copy_from_slice(&c.to_be_bytes());
    ip_len + seg_len
}

/// Builds the IP and TCP headers in `pkt` for a payload of `payload_len`
/// bytes sent from where it lies (a gathered write), with the checksum left
/// partial: the field holds the pseudo header's sum, and whoever completes it
/// sums from [`tcp_checksum_start`] to the end (a kernel delivering it locally
/// never needs to). Returns the headers' length.
pub fn build_tcp_header_partial(pkt: &mut [u8], t: &TcpOut, payload_len: usize) -> usize {
    let hdr = write_tcp_header(pkt, t, payload_len);
    let ip_len = ip_header_len(t.src);
    let seg_len = hdr - ip_len + payload_len;
    let partial = !fold(pseudo_header_sum(t.src, t.dst, PROTO_TCP, seg_len));
    pkt[ip_len + 16..ip_len + 18].copy_from_slice(&partial.to_be_bytes());
    hdr
}

/// Where the TCP checksum of a packet from `src` starts, and the offset of its
/// field from there.
pub fn tcp_checksum_start(src: IpAddr) -> (usize, usize) {
    (ip_header_len(src), 16)
}

/// Writes the IP and TCP headers with a zero checksum; returns their length.
fn write_tcp_header(pkt: &mut [u8], t: &TcpOut, payload_len: usize) -> usize {
    let ip_len = ip_header_len(t.src);
    let opt_len = if t.syn_options.is_some() { 8 } else { 0 };
    let tcp_len = TCP_HEADER + opt_len;
    // Payload sits right after a header without options; SYN-ACKs carry none.
    debug_assert!(opt_len == 0 || payload_len == 0);
    let seg_len = tcp_len + payload_len;
    write_ip(pkt, t.src, t.dst, PROTO_TCP, seg_len);
    let h = &mut pkt[ip_len..ip_len + tcp_len];
    h[0..2].copy_from_slice(&t.src_port.to_be_bytes());
    h[2..4].copy_from_slice(&t.dst_port.to_be_bytes());
    h[4..8].copy_from_slice(&t.seq.to_be_bytes());
    h[8..12].copy_from_slice(&t.ack.to_be_bytes());
    h[12] = ((tcp_len / 4) as u8) << 4;
    h[13] = t.flags;
    h[14..16].copy_from_slice(&t.window.to_be_bytes());
    h[16..20].copy_from_slice(&[0, 0, 0, 0]);
    if let Some((mss, ws)) = t.syn_options {
        h[20..24].copy_from_slice(&[2, 4, (mss >> 8) as u8, mss as u8]);
        match ws {
            Some(shift) => h[24..28].copy_from_slice(&[1, 3, 3, shift]),
            None => h[24..28].copy_from_slice(&[1, 1, 1, 1]),
        }
    }
    ip_len + tcp_len
}

/// Where a data segment's payload goes in the packet buffer.
pub fn tcp_payload_offset(src: IpAddr) -> usize {
    ip_header_len(src) + TCP_HEADER
}

/// Where a UDP payload goes in the packet buffer.
pub fn udp_payload_offset(src: IpAddr) -> usize {
    ip_header_len(src) + UDP_HEADER
}

/// Builds a UDP/IP packet around a payload already at [`udp_payload_offset`].
pub fn build_udp(
    pkt: &mut [u8],
    src: IpAddr,
    dst: IpAddr,
    src_port: u16,
    dst_port: u16,
    payload_len: usize,
) -> usize {
    let ip_len = ip_header_len(src);
    let seg_len = UDP_HEADER + payload_len;
    write_ip(pkt, src, dst, PROTO_UDP, seg_len);
    let h = &mut pkt[ip_len..ip_len + UDP_HEADER];
    h[0..2].copy_from_slice(&src_port.to_be_bytes());
    h[2..4].copy_from_slice(&dst_port.to_be_bytes());
    h[4..6].copy_from_slice(&(seg_len as u16).to_be_bytes());
    h[6..8].copy_from_slice(&[0, 0]);
    let seg = &pkt[ip_len..ip_len + seg_len];
    let mut c = fold(sum(pseudo_header_sum(src, dst, PROTO_UDP, seg_len), seg));
    if c == 0 {
        c = 0xffff;
    }
    pkt[ip_len + 6..ip_len + 8].copy_from_slice(&c.to_be_bytes());
    ip_len + seg_len
}

/// Builds an ICMP (v4) or ICMPv6 packet around a message already written after
/// the IP header (type, code, zeroed checksum, rest); fills in the checksum.
pub fn build_icmp(pkt: &mut [u8], src: IpAddr, dst: IpAddr, msg_len: usize) -> usize {
    let ip_len = ip_header_len(src);
    let proto = if src.is_ipv6() {
        PROTO_ICMPV6
    } else {
        PROTO_ICMP
    };
    write_ip(pkt, src, dst, proto, msg_len);
    pkt[ip_len + 2..ip_len + 4].copy_from_slice(&[0, 0]);
    let msg = &pkt[ip_len..ip_len + msg_len];
    // ICMPv6 covers a pseudo header; ICMP for IPv4 does not.
    let start = if src.is_ipv6() {
        pseudo_header_sum(src, dst, proto, msg_len)
    } else {
        0
    };
    let c = fold(sum(start, msg));
    pkt[ip_len + 2..ip_len + 4].copy_from_slice(&c.to_be_bytes());
    ip_len + msg_len
}

/// Builds a "port unreachable" for a UDP datagram the container sent from
/// `guest` to `remote`, so its socket sees ECONNREFUSED.
pub fn build_port_unreachable(
    pkt: &mut [u8],
    guest: (IpAddr, u16),
    remote: (IpAddr, u16),
) -> usize {
    let ip_len = ip_header_len(remote.0);
    // The quoted datagram: its IP header and the first 8 bytes of UDP.
    let quoted_ip = ip_header_len(guest.0);
    let quoted = quoted_ip + UDP_HEADER;
    let msg = ip_len;
    let (kind, code) = if remote.0.is_ipv6() { (1, 4) } else { (3, 3) };
    pkt[msg] = kind;
    pkt[msg + 1] = code;
    pkt[msg + 4..msg + 8].copy_from_slice(&[0, 0, 0, 0]);
    let q = msg + 8;
    write_ip(&mut pkt[q..], guest.0, remote.0, PROTO_UDP, UDP_HEADER);
    let u = q + quoted_ip;
    pkt[u..u + 2].copy_from_slice(&guest.1.to_be_bytes());
    pkt[u + 2..u + 4].copy_from_slice(&remote.1.to_be_bytes());
    pkt[u + 4..u + 6].copy_from_slice(&(UDP_HEADER as u16).to_be_bytes());
    pkt[u + 6..u + 8].copy_from_slice(&[0, 0]);
    build_icmp(pkt, remote.0, guest.0, 8 + quoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_rfc1071_example() {
        // RFC 1071 section 3: the sum of these words is 0xddf2, so the checksum is !0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(0, &data)), !0xddf2);
        // Odd lengths pad with a zero byte.
        assert_eq!(fold(sum(0, &[0xab])), !0xab00);
    }

    #[test]
    fn built_tcp_packet_parses_back_and_verifies() {
        let mut buf = vec![0u8; 200];
        let src: IpAddr = "10.0.2.2".parse().unwrap();
        let dst: IpAddr = "10.0.2.100".parse().unwrap();
        let off = tcp_payload_offset(src);
        buf[off..off + 5].copy_from_slice(b"hello");
        let t = TcpOut {
            src,
            dst,
            src_port: 80,
            dst_port: 40000,
            seq: 7,
            ack: 9,
            flags: TCP_ACK | TCP_PSH,
            window: 1000,
            syn_options: None,
        };
        let n = build_tcp(&mut buf, &t, 5);
        let ip = parse_ip(&buf[..n]).unwrap();
        assert_eq!((ip.src, ip.dst, ip.proto, ip.end), (src, dst, PROTO_TCP, n));
        // A valid header sums to zero, and so does a valid segment with its pseudo header.
        assert_eq!(fold(sum(0, &buf[..20])), 0);
        let seg = &buf[ip.offset..ip.end];
        assert_eq!(
            fold(sum(pseudo_header_sum(src, dst, PROTO_TCP, seg.len()), seg)),
            0
        );
        let tcp = parse_tcp(seg).unwrap();
        assert_eq!((tcp.seq, tcp.ack, tcp.window), (7, 9, 1000));
        assert_eq!(&seg[tcp.data_offset..], b"hello");
    }

    #[test]
    fn partial_checksum_completed_gives_the_whole_packet() {
        for (src, dst) in [("10.0.2.2", "10.0.2.100"), ("fd00::2", "fd00::100")] {
            let (src, dst): (IpAddr, IpAddr) = (src.parse().unwrap(), dst.parse().unwrap());
            let t = TcpOut {
                src,
                dst,
                src_port: 443,
                dst_port: 51000,
                seq: 0xfffffff0,
                ack: 12345,
                flags: TCP_ACK | TCP_PSH,
                window: 512,
                syn_options: None,
            };
            // Odd lengths too: the last byte is summed as a padded word.
            for len in [0usize, 1, 7, 8, 1459, 65000] {
                let payload: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
                let mut whole = vec![0u8; len + 100];
                let off = tcp_payload_offset(src);
                whole[off..off + len].copy_from_slice(&payload);
                let n = build_tcp(&mut whole, &t, len);
                let mut head = vec![0u8; 100];
                let h = build_tcp_header_partial(&mut head, &t, len);
                assert_eq!(h, off);
                // What a kernel does to finish it (skb_checksum_help).
                let mut pkt = [&head[..h], &payload[..]].concat();
                let (start, field) = tcp_checksum_start(src);
                let c = fold(sum(0, &pkt[start..]));
                pkt[start + field..start + field + 2].copy_from_slice(&c.to_be_bytes());
                assert_eq!(pkt, whole[..n], "{src} {len}");
            }
        }
    }

    #[test]
    fn syn_options_round_trip_over_ipv6() {
        let mut buf = vec![0u8; 200];
        let src: IpAddr = "fd00::2".parse().unwrap();
        let dst: IpAddr = "fd00::100".parse().unwrap();
        let t = TcpOut {
            src,
            dst,
            src_port: 1,
            dst_port: 2,
            seq: 0,
            ack: 1,
            flags: TCP_SYN | TCP_ACK,
            window: 65535,
            syn_options: Some((65460, Some(7))),
        };
        let n = build_tcp(&mut buf, &t, 0);
        let ip = parse_ip(&buf[..n]).unwrap();
        let tcp = parse_tcp(&buf[ip.offset..ip.end]).unwrap();
        assert_eq!((tcp.mss, tcp.wscale), (Some(65460), Some(7)));
    }

    #[test]
    fn fragments_and_truncated_packets_are_refused() {
        let mut buf = vec![0u8; 60];
        let src: IpAddr = "10.0.2.100".parse().unwrap();
        let dst: IpAddr = "192.0.2.1".parse().unwrap();
        let n = build_udp(&mut buf, src, dst, 1, 2, 4);
        assert!(parse_ip(&buf[..n]).is_some());
        assert!(parse_ip(&buf[..n - 1]).is_none());
        buf[6] |= 0x20; // more fragments
        assert!(parse_ip(&buf[..n]).is_none());
    }
}
