/**
 * The unit a client address is throttled by: an IPv4 address whole, an IPv6 address by its /64
 * (one subscriber or host gets a whole /64 and can pick any address in it). An IPv4-mapped IPv6
 * address counts as its IPv4 address. Anything unparsable is used as it is.
 */
export function throttledAddress(address: string): string {
  const value = address.trim().toLowerCase();
  if (!value.includes(':')) return value;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(value);
  if (mapped) return mapped[1]!;
  const groups = expandIpv6(value);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : value;
}

/** The eight groups of an IPv6 address without leading zeros, or undefined when it does not parse. */
function expandIpv6(value: string): string[] | undefined {
  const halves = value.split('::');
  if (halves.length > 2) return undefined;
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const head = split(halves[0]!);
  const tail = halves.length === 2 ? split(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  // A dotted IPv4 tail (other than the mapped form above) is rare: keep the address whole.
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.replace(/^0+(?=.)/, ''));
}
