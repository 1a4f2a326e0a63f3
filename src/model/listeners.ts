import type { Socket } from '../snapshot/types.js';
import { parseAddress } from './addresses.js';

/**
 * Would this listening socket take a packet for (daddr, dport)? The kernel's
 * socket lookup: same protocol and port, then the bind address — a wildcard of the
 * family, or that exact address; an IPv6 wildcard also takes IPv4 unless it is
 * IPv6-only (Linux's default, net.ipv6.bindv6only=0, makes "::" dual-stack); a
 * socket bound to a device (SO_BINDTODEVICE) only takes packets from it.
 */
export function socketAccepts(socket: Socket, packet: { family: 4 | 6; protocol: 'tcp' | 'udp'; daddr: string; dport: number; iif: string }): boolean {
  if (socket.protocol !== packet.protocol || socket.port !== packet.dport) return false;
  if (socket.boundInterface && socket.boundInterface !== packet.iif) return false;
  if (socket.family === 4) {
    if (packet.family !== 4) return false;
    return socket.address === '0.0.0.0' || sameAddress(socket.address, packet.daddr);
  }
  if (socket.address === '::') return packet.family === 6 || socket.v6only !== true;
  return packet.family === 6 && sameAddress(socket.address, packet.daddr);
}

function sameAddress(a: string, b: string): boolean {
  // The same text is the same address, when it is one: one parse, not two.
  if (a === b) return parseAddress(a) !== undefined;
  const pa = parseAddress(a);
  const pb = parseAddress(b);
  return pa !== undefined && pb !== undefined && pa.kind() === pb.kind() && pa.toString() === pb.toString();
}
