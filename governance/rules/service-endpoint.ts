import { at, field, type Rule } from '../lint/context.ts';
import { describe, stringValue } from '../parse/nodes.ts';
import { shorten, shortList } from '../parse/numbers.ts';

const WITH_SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/;
const SCHEME_ONLY = /^([A-Za-z][A-Za-z0-9+.-]*):(.+)$/;
/** Resources that expose no endpoint (namespaces, policies) say so explicitly. */
export const NOT_APPLICABLE = 'n/a';

export const serviceEndpoint: Rule = {
  code: 'QY040',
  name: 'service-endpoint',
  severity: 'error',
  rationale: 'service_endpoint is a URL with a scheme (or n/a) so discovery knows the protocol to speak.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'registry_binding', 'service_endpoint');
    if (!ref) return;
    const value = stringValue(ref.entry.value);
    const problem = endpointProblem(value, ctx.policy.endpointSchemes);
    if (problem)
      report(at(ref.entry.value, ref.path, `service_endpoint ${describe(ref.entry.value)} ${problem}`));
  },
};

export function endpointProblem(value: string | undefined, schemes: string[]): string | undefined {
  if (value === undefined) return `must be a URL or ${NOT_APPLICABLE}`;
  if (value === NOT_APPLICABLE) return undefined;
  if (value.toLowerCase() === NOT_APPLICABLE)
    return `must be written ${NOT_APPLICABLE}, in lower case, when there is no endpoint`;
  const match = WITH_SCHEME.exec(value);
  if (!match) {
    // `http:host` names a known scheme but not the `//` that introduces the host; `redis:6379` is a
    // host (a Service named like its protocol) and a port.
    const bare = SCHEME_ONLY.exec(value);
    if (bare && schemes.includes(bare[1]!.toLowerCase()) && !/^\d+(?:\/|$)/.test(bare[2]!))
      return `has no // after its scheme; write e.g. ${shorten(`${bare[1]}://${bare[2]!.replace(/^\/+/, '')}`)}`;
    return `has no scheme; write e.g. ${shorten(`http://${value}`)}`;
  }
  const scheme = match[1]!.toLowerCase();
  if (!schemes.includes(scheme))
    return `uses scheme ${shorten(scheme)}, not one of ${shortList(schemes, ', ')}`;
  let host = '';
  try {
    host = new URL(value).host;
  } catch {
    return 'is not a valid URL';
  }
  return host === '' ? 'has no host' : undefined;
}
