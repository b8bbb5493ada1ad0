/**
 * Where the server may send a callback (issue #18: callback SSRF). A callback URL is the customer's, but the request
 * leaves from inside the operator's network, so the rules are the operator's:
 *
 * - https only; plain http only to loopback and only behind the development setting (`allowLoopback`, which
 *   `serve --demo` and `IDV_ALLOW_LOOPBACK_CALLBACKS=1` turn on). No credentials in the URL.
 * - The host must resolve to public unicast addresses only. Refused: loopback, private (RFC 1918), unique local
 *   (fc00::/7), link-local (169.254/16 with the cloud metadata address, fe80::/10), CGNAT (100.64/10, Alibaba's
 *   metadata address), unspecified, multicast, broadcast, documentation / benchmarking / reserved ranges, and
 *   IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo, NAT64) unless the IPv4 inside passes. Names that
 *   only mean something inside a network (`localhost`, single labels like `metadata`, `.internal`, `.local`) are
 *   refused by name, before any lookup. The operator may open private networks explicitly (`allowedNetworks`, e.g.
 *   `IDV_CALLBACK_ALLOWED_NETWORKS=10.20.0.0/16` for a receiver inside the same network).
 * - The check runs at delivery time on the resolved addresses, and the connection goes to the address that passed
 *   (pinned): a DNS answer that changes between check and connect (rebinding) cannot redirect it. Every numeric
 *   spelling (`127.1`, `2130706433`, `0x7f000001`, `[::ffff:7f00:1]`) is normalised by the WHATWG URL parser first.
 *
 * Address classification is ipaddr.js (the range table behind Express's proxy-addr); the policy is ours.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface CallbackPolicy {
  /** Development only: http and loopback destinations (a receiver on this machine). */
  allowLoopback: boolean;
  /** CIDRs the operator opened on purpose (private receivers); checked before the refusals. */
  allowedNetworks: string[];
}

export const STRICT_CALLBACK_POLICY: CallbackPolicy = { allowLoopback: false, allowedNetworks: [] };

export type CallbackRefusal =
  | 'INVALID_URL'
  | 'INSECURE_URL'
  | 'CREDENTIALS_IN_URL'
  | 'FORBIDDEN_HOST'
  | 'FORBIDDEN_ADDRESS';

export class CallbackTargetError extends Error {
  override readonly name = 'CallbackTargetError';
  constructor(
    readonly code: CallbackRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }));

/** Host names that only mean something inside a network, or name a cloud metadata service. */
function isInternalName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return (
    !name.includes('.') ||
    name === 'localhost' ||
    /\.(localhost|local|internal|intranet|lan|home\.arpa)$/.test(name) ||
    name === 'metadata.goog' ||
    name === 'instance-data.ec2.internal'
  );
}

function isLoopbackName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** `[::1]` → `::1`; other hosts as they are. */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/** Why `address` may not receive a callback under `policy`; undefined when it may. */
export function addressRefusal(address: string, policy: CallbackPolicy): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return 'not an IP address';
  }
  for (const cidr of policy.allowedNetworks) {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    if (network.kind() === parsed.kind() && parsed.match(network, bits)) return undefined;
  }
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // An IPv4 address inside IPv6 is judged as that IPv4 address.
    if (v6.isIPv4MappedAddress()) return addressRefusal(v6.toIPv4Address().toString(), policy);
  }
  const range = parsed.range();
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  return range === 'unicast' ? undefined : range;
}

/**
 * The checks that need no lookup, for account creation (an early, specific 422) and again at delivery.
 * Throws CallbackTargetError.
 */
export function checkCallbackUrl(value: string, policy: CallbackPolicy): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CallbackTargetError('INVALID_URL', 'not a URL');
  }
  if (url.username || url.password) {
    throw new CallbackTargetError('CREDENTIALS_IN_URL', 'callback URLs must not carry credentials');
  }
  const host = bareHost(url.hostname);
  const literal = isIP(host) !== 0;
  const loopback = literal ? ipaddr.parse(host).range() === 'loopback' : isLoopbackName(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && policy.allowLoopback)) {
    throw new CallbackTargetError('INSECURE_URL', 'callback URLs must use https');
  }
  if (literal) {
    const refusal = addressRefusal(host, policy);
    if (refusal) throw new CallbackTargetError('FORBIDDEN_ADDRESS', `callback address is ${refusal}`);
  } else if (isInternalName(host) && !(loopback && policy.allowLoopback)) {
    throw new CallbackTargetError('FORBIDDEN_HOST', 'callback host is an internal name');
  }
  return url;
}

/**
 * Delivery time: the URL checks, then the lookup; every resolved address must pass, and the first one is the
 * address to connect to. A failed lookup throws the resolver's own error (a network error: retried later).
 */
export async function resolveCallbackTarget(
  value: string,
  policy: CallbackPolicy,
  resolve: HostResolver = systemResolver,
): Promise<{ url: URL; pinned: ResolvedAddress }> {
  const url = checkCallbackUrl(value, policy);
  const host = bareHost(url.hostname);
  const family = isIP(host);
  const addresses: ResolvedAddress[] =
    family !== 0
      ? [{ address: host, family: family === 6 ? 6 : 4 }]
      : isLoopbackName(host)
        ? [{ address: '127.0.0.1', family: 4 }]
        : await resolve(host);
  if (addresses.length === 0) throw new CallbackTargetError('FORBIDDEN_HOST', 'callback host has no address');
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, policy);
    if (refusal) throw new CallbackTargetError('FORBIDDEN_ADDRESS', `callback host resolves to ${refusal}`);
  }
  return { url, pinned: addresses[0] as ResolvedAddress };
}

/** `IDV_CALLBACK_ALLOWED_NETWORKS`: comma-separated CIDRs; throws on a malformed one. */
export function parseAllowedNetworks(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((cidr) => {
      ipaddr.parseCIDR(cidr);
      return cidr;
    });
}
