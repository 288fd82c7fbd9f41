/**
 * The address students join at. A server started as the README says is opened at http://localhost:3000 by the
 * instructor, but a join link or QR code for localhost points each student's laptop at itself. Without
 * CONVLAB_PUBLIC_URL, a request for localhost / 127.x / ::1 makes the join link use this machine's LAN address
 * instead (and say so); the choice is a pure function of the network interfaces, so tests inject them.
 */
import type { NetworkInterfaceInfo } from 'node:os';

/** What the join screen shows: the base URL of join links, other addresses that may work, and why. */
export interface JoinAddress {
  base: string;
  /** Other LAN addresses of this machine (the QR shows `base`). */
  alternatives: string[];
  /** A sentence for the instructor when the address was changed or nobody else can reach it. */
  note: string | null;
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** True for host names only this machine can reach. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0.0.0.0' || h === '::' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Private ranges first (the lecture hall's network), then other addresses; link-local and loopback never. */
function rank(address: string): number {
  if (/^192\.168\./.test(address)) return 0;
  if (/^10\./.test(address)) return 1;
  if (/^172\.(1[6-9]|2\d|3[01])\./.test(address)) return 2;
  return 3;
}

/** This machine's IPv4 addresses that other machines may reach, best first. */
export function lanAddresses(interfaces: Interfaces): string[] {
  const found: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.internal || info.family !== 'IPv4' || info.address.startsWith('169.254.')) continue;
      if (!found.includes(info.address)) found.push(info.address);
    }
  }
  return found.sort((a, b) => rank(a) - rank(b));
}

/**
 * Chooses the join base URL: CONVLAB_PUBLIC_URL when set; else the request's own base, unless that is a loopback
 * host — then the address the server listens on (HOST) or else the first LAN address, with the request's port and a
 * note; loopback with a warning when students cannot reach any (no network address, or HOST is loopback).
 */
export function chooseJoinAddress(opts: { publicUrl?: string; requestBase: string; interfaces: Interfaces; listenHost?: string }): JoinAddress {
  if (opts.publicUrl) return { base: opts.publicUrl, alternatives: [], note: null };
  const request = new URL(opts.requestBase);
  if (!isLoopbackHost(request.hostname)) return { base: request.origin, alternatives: [], note: null };
  const at = (address: string) => `${request.protocol}//${address}${request.port ? `:${request.port}` : ''}`;
  const listen = opts.listenHost && !['0.0.0.0', '::'].includes(opts.listenHost) ? opts.listenHost : undefined;
  if (listen && isLoopbackHost(listen)) {
    return {
      base: request.origin,
      alternatives: [],
      note: `ConvLab listens on ${listen} only (HOST), so students cannot reach it. Start it without HOST, or set CONVLAB_PUBLIC_URL.`,
    };
  }
  // Listening on one address: that is the one students can reach.
  const lan = listen ? [listen] : lanAddresses(opts.interfaces);
  if (lan.length === 0) {
    return {
      base: request.origin,
      alternatives: [],
      note: `${request.hostname} is this computer only, and it has no network address: students cannot reach it. Connect it to the room's network, or set CONVLAB_PUBLIC_URL.`,
    };
  }
  return {
    base: at(lan[0]!),
    alternatives: lan.slice(1).map(at),
    note: `You opened ConvLab at ${request.hostname}, which students cannot reach, so students join at this computer's network address. Set CONVLAB_PUBLIC_URL to choose another.`,
  };
}
