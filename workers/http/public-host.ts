/**
 * Whether a URL's host is a public one, for URLs the gateway hands to someone who will fetch them
 * (job callbacks, image URLs an engine downloads). Literal addresses in private, loopback, link-local,
 * shared, multicast or reserved ranges (IPv4, IPv6 and IPv4-mapped IPv6) and local-only names are not.
 * The WHATWG parser already turns `2130706433` or `0x7f.1` into `127.0.0.1`, so those forms are caught
 * too. A public name that resolves to a private address cannot be seen from here (the edge has no DNS
 * lookup).
 */

const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.intranet', '.lan', '.home.arpa', '.corp'];

/** A parsed URL's host as the checks compare it: lower case, without the trailing dots that name the same host. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/\.+$/, '');
}

/** `localhost`, `*.localhost`, 127.0.0.0/8 (also IPv4-mapped) and `[::1]`. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = parseIPv4(host) ?? mappedIPv4(host);
  if (v4) return v4[0] === 127;
  return host === '[::1]';
}

/** Why a host that is not loopback is still not a public one, or undefined when it is. */
export function nonPublicHost(host: string): string | undefined {
  const v4 = parseIPv4(host) ?? mappedIPv4(host);
  if (v4) return privateIPv4(v4) ? 'targets a private or reserved address' : undefined;
  if (host.startsWith('['))
    return privateIPv6(host.slice(1, -1)) ? 'targets a private or reserved address' : undefined;
  if (!host.includes('.')) return 'is not a public host name';
  if (LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return 'targets a local-only name';
  return undefined;
}

function parseIPv4(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/**
 * The IPv4 address inside `[::ffff:a.b.c.d]` (the URL parser writes it `[::ffff:xxxx:xxxx]`) or NAT64
 * `[64:ff9b::a.b.c.d]`, read from the address's groups so every compressed spelling is one form.
 */
function mappedIPv4(host: string): number[] | undefined {
  if (!host.startsWith('[') || !host.endsWith(']')) return undefined;
  const g = ipv6Groups(host.slice(1, -1));
  if (!g) return undefined;
  const mapped = g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0;
  if (!mapped && !nat64) return undefined;
  const hi = g[6]!;
  const lo = g[7]!;
  return [hi >> 8, hi & 255, lo >> 8, lo & 255];
}

function privateIPv4([a, b, c]: number[]): boolean {
  if (a === undefined || b === undefined || c === undefined) return true;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && c === 0) ||
    (a === 192 && b === 0 && c === 2) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a >= 224
  );
}

/**
 * The eight 16-bit groups of an IPv6 address as the URL parser writes it (lowercase hex, `::` for the
 * longest run of zero groups, no embedded dotted IPv4). Compared as numbers, a prefix check cannot be
 * dodged by how the zeros happen to be compressed (`2001::…` is Teredo as much as `2001:0:…`).
 */
function ipv6Groups(address: string): number[] | undefined {
  const [head, tail, extra] = address.split('::');
  if (extra !== undefined) return undefined;
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((g) => Number.parseInt(g, 16)) : [];
  const left = parse(head);
  const right = parse(tail);
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

function privateIPv6(address: string): boolean {
  const g = ipv6Groups(address);
  if (!g) return true;
  const [a = 0, b = 0, c = 0] = g;
  return (
    // Forms that carry an IPv4 address a relay or translator would reach on our behalf: 6to4
    // 2002::/16, Teredo 2001:0::/32, local-use NAT64 64:ff9b:1::/48.
    a === 0x2002 ||
    (a === 0x2001 && b === 0) ||
    (a === 0x64 && b === 0xff9b && c === 1) ||
    // 0::/16, all reserved: the unspecified, loopback, IPv4-compatible, -mapped and -translated forms
    a === 0 ||
    (a & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (a & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (a & 0xffc0) === 0xfec0 || // site-local (deprecated)
    (a & 0xff00) === 0xff00 || // multicast
    (a === 0x2001 && b === 0xdb8) || // documentation
    (a === 0x100 && b === 0 && c === 0 && g[3] === 0) // discard-only 100::/64
  );
}
