import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which proxies in front of the API are believed when they say, in `X-Forwarded-For`, whom they
 * forward for. `hops`: that many proxies (the socket's peer is the first). `networks`: any peer in
 * these addresses or CIDR ranges. Neither: the header is ignored (anyone can send it).
 */
export type TrustProxy = { hops: number } | { networks: readonly string[] };

/** `TRUST_PROXY`: unset/`false`/`0`, a number of hops, or a comma-separated list of addresses and CIDRs. */
export const TrustProxySchema = z
  .string()
  .default('false')
  .transform((raw, ctx): TrustProxy => {
    const value = raw.trim();
    if (value === '' || value === 'false') return { hops: 0 };
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops <= 32) return { hops };
    }
    const networks = value.split(',').map((part) => part.trim());
    if (networks.every(isNetwork)) return { networks };
    ctx.addIssue({
      code: 'custom',
      message: 'must be false, a number of proxy hops (0-32), or a comma-separated list of addresses/CIDRs',
    });
    return z.NEVER;
  });

function isNetwork(value: string): boolean {
  const [address, prefix, extra] = value.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (!family) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function plain(address: string): string {
  // IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The client's address for per-address limits: the socket's peer, or, behind trusted proxies,
 * the address they forwarded for (read right to left, so a client cannot choose it by sending
 * its own `X-Forwarded-For`).
 */
export function clientAddressResolver(
  trust: TrustProxy,
): (peer: string | undefined, forwardedFor: string | undefined) => string {
  let trusted: (address: string, hop: number) => boolean;
  if ('hops' in trust) {
    trusted = (_address, hop) => hop < trust.hops;
  } else {
    const list = new BlockList();
    for (const network of trust.networks) {
      const [address, prefix] = network.split('/') as [string, string | undefined];
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) list.addAddress(address, type);
      else list.addSubnet(address, Number(prefix), type);
    }
    trusted = (address) => {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    };
  }
  return (peer, forwardedFor) => {
    if (!peer) return 'unknown';
    let address = plain(peer);
    if (!forwardedFor) return address;
    const chain = forwardedFor
      .split(',')
      .map((entry) => plain(entry.trim()))
      .filter(Boolean);
    for (let hop = 0; chain.length > 0 && trusted(address, hop); hop++) address = chain.pop()!;
    return address;
  };
}
