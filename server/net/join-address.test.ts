import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { chooseJoinAddress, isLoopbackHost, lanAddresses } from './join-address';

/** Interfaces as os.networkInterfaces() returns them; only computed with, never contacted. */
function iface(address: string, family: 'IPv4' | 'IPv6' = 'IPv4', internal = false): NetworkInterfaceInfo {
  return { address, family, internal, netmask: family === 'IPv4' ? '255.255.255.0' : 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) } as NetworkInterfaceInfo;
}

const LAPTOP = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  docker0: [iface('172.17.0.1')],
  wlan0: [iface('192.168.1.23'), iface('fe80::1', 'IPv6')],
  eth1: [iface('169.254.10.2')],
};

describe('the join address', () => {
  it('recognizes hosts only this machine can reach', () => {
    for (const h of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1', '0.0.0.0']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['192.168.1.23', 'convlab.school.org', '10.0.0.5', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it("lists the machine's reachable IPv4 addresses, the room's private network first", () => {
    expect(lanAddresses(LAPTOP)).toEqual(['192.168.1.23', '172.17.0.1']);
    expect(lanAddresses({ lo: LAPTOP.lo })).toEqual([]);
  });

  it('replaces localhost with the LAN address (same port) and says why', () => {
    const a = chooseJoinAddress({ requestBase: 'http://localhost:3000', interfaces: LAPTOP });
    expect(a.base).toBe('http://192.168.1.23:3000');
    expect(a.alternatives).toEqual(['http://172.17.0.1:3000']);
    expect(a.note).toMatch(/students cannot reach.*network address.*CONVLAB_PUBLIC_URL/);
    expect(chooseJoinAddress({ requestBase: 'http://127.0.0.1:8080', interfaces: LAPTOP }).base).toBe('http://192.168.1.23:8080');
  });

  it('keeps a reachable request address, and CONVLAB_PUBLIC_URL always wins', () => {
    expect(chooseJoinAddress({ requestBase: 'http://192.168.1.23:3000', interfaces: LAPTOP })).toEqual({ base: 'http://192.168.1.23:3000', alternatives: [], note: null });
    expect(chooseJoinAddress({ requestBase: 'https://convlab.school.org', interfaces: LAPTOP }).base).toBe('https://convlab.school.org');
    expect(chooseJoinAddress({ publicUrl: 'https://hall.example.org', requestBase: 'http://localhost:3000', interfaces: LAPTOP })).toEqual({ base: 'https://hall.example.org', alternatives: [], note: null });
  });

  it('follows HOST: its address when it names one, a warning when it is loopback', () => {
    expect(chooseJoinAddress({ requestBase: 'http://localhost:3000', interfaces: LAPTOP, listenHost: '172.17.0.1' }).base).toBe('http://172.17.0.1:3000');
    expect(chooseJoinAddress({ requestBase: 'http://localhost:3000', interfaces: LAPTOP, listenHost: '0.0.0.0' }).base).toBe('http://192.168.1.23:3000');
    const local = chooseJoinAddress({ requestBase: 'http://127.0.0.1:3000', interfaces: LAPTOP, listenHost: '127.0.0.1' });
    expect(local.base).toBe('http://127.0.0.1:3000');
    expect(local.note).toMatch(/listens on 127\.0\.0\.1 only.*students cannot reach/);
  });

  it('warns when the machine has no network address at all', () => {
    const a = chooseJoinAddress({ requestBase: 'http://localhost:3000', interfaces: { lo: LAPTOP.lo } });
    expect(a.base).toBe('http://localhost:3000');
    expect(a.note).toMatch(/no network address/);
  });
});
