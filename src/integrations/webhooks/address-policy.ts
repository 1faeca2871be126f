/**
 * Which network addresses a webhook may be delivered to. Public unicast addresses only, unless private
 * receivers are allowed (WEBHOOKS_ALLOW_PRIVATE, development and tests); cloud metadata services are
 * refused even then, since a developer's machine may be a cloud VM. IPv4-mapped IPv6 addresses are judged
 * by the IPv4 address they carry; NAT64 and 6to4 prefixes, which embed one, are refused as a whole.
 */
import { BlockList, isIP } from 'node:net';

/** public: deliverable; private: loopback, private, link-local, multicast, reserved; metadata: cloud metadata. */
export type AddressClass = 'public' | 'private' | 'metadata';

const METADATA_V4 = ['169.254.169.254', '169.254.170.2', '100.100.100.200'];
const METADATA_V6 = ['fd00:ec2::254'];

const PRIVATE_V4: readonly [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

const PRIVATE_V6: readonly [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

const metadata = new BlockList();
for (const address of METADATA_V4) metadata.addAddress(address, 'ipv4');
for (const address of METADATA_V6) metadata.addAddress(address, 'ipv6');

const restricted = new BlockList();
for (const [network, prefix] of PRIVATE_V4) restricted.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of PRIVATE_V6) restricted.addSubnet(network, prefix, 'ipv6');

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, `::ffff:7f00:1`) carries. */
function mappedV4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = Number.parseInt(hex[1], 16);
  const low = Number.parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) {
    if (metadata.check(address, 'ipv4')) return 'metadata';
    return restricted.check(address, 'ipv4') ? 'private' : 'public';
  }
  if (family === 6) {
    const v4 = mappedV4(address);
    if (v4 !== undefined) return classifyAddress(v4);
    if (metadata.check(address, 'ipv6')) return 'metadata';
    return restricted.check(address, 'ipv6') ? 'private' : 'public';
  }
  return 'private';
}

/** Whether a webhook may be delivered to this address. */
export function addressAllowed(address: string, allowPrivate: boolean): boolean {
  const kind = classifyAddress(address);
  return kind === 'public' || (kind === 'private' && allowPrivate);
}
