/** IPv4 address and CIDR arithmetic for the network rules. */

export interface Ipv4Range {
  readonly first: number;
  readonly last: number;
  readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIpv4(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** Parses `a.b.c.d/n`; the address must be the network address (no host bits set). */
export function parseCidr(text: unknown): Ipv4Range | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const address = parseIpv4(match[1]);
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined;
  return { first: address, last: address + size - 1, prefix };
}

/** Parses either a CIDR or a single address (as a /32). */
export function parseAddressOrCidr(text: unknown): Ipv4Range | undefined {
  if (typeof text === 'string' && !text.includes('/')) {
    const address = parseIpv4(text);
    return address === undefined ? undefined : { first: address, last: address, prefix: 32 };
  }
  return parseCidr(text);
}

export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function contains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** RFC 1918 private ranges and other non-routable ranges an authorized IP range must not use. */
export const NON_PUBLIC_RANGES: readonly { readonly name: string; readonly range: Ipv4Range }[] = [
  { name: '10.0.0.0/8', range: parseCidr('10.0.0.0/8')! },
  { name: '172.16.0.0/12', range: parseCidr('172.16.0.0/12')! },
  { name: '192.168.0.0/16', range: parseCidr('192.168.0.0/16')! },
  { name: '127.0.0.0/8', range: parseCidr('127.0.0.0/8')! },
  { name: '0.0.0.0/8', range: parseCidr('0.0.0.0/8')! },
];

/**
 * Ranges AKS reserves or that break cluster networking when used for the pod or service range.
 * @see https://learn.microsoft.com/azure/aks/azure-cni-overlay#ip-address-planning
 */
export const AKS_RESERVED_RANGES: readonly { readonly name: string; readonly range: Ipv4Range }[] = [
  { name: '169.254.0.0/16', range: parseCidr('169.254.0.0/16')! },
  { name: '172.30.0.0/16', range: parseCidr('172.30.0.0/16')! },
  { name: '172.31.0.0/16', range: parseCidr('172.31.0.0/16')! },
  { name: '192.0.2.0/24', range: parseCidr('192.0.2.0/24')! },
];
