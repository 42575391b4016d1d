import { at, field, type Rule } from '../lint/context.ts';
import { stringValue } from '../parse/nodes.ts';
import { shorten, shortList } from '../parse/numbers.ts';

export const healthCheckProbe: Rule = {
  code: 'QY071',
  name: 'health-check-probe',
  severity: 'warning',
  rationale:
    "The registry should probe the path the containers' own probes use, or it checks something else.",
  checkFile(ctx, report) {
    const ref = field(ctx, 'registry_binding', 'health_check_path');
    const path = ref ? stringValue(ref.entry.value) : undefined;
    if (!ref || path === undefined || !path.startsWith('/')) return;
    // Files without containers (Services, ConfigMaps…) have no probe to compare against.
    const workloads = ctx.manifests.filter((manifest) => manifest.hasContainers);
    if (workloads.length === 0) return;
    const probePaths = [...new Set(workloads.flatMap((manifest) => manifest.probePaths))];
    if (probePaths.includes(path)) return;
    const seen =
      probePaths.length > 0 ? `probes use ${shortList(probePaths, ', ')}` : 'no container has an HTTP probe';
    report(
      at(
        ref.entry.value,
        ref.path,
        `health_check_path "${shorten(path)}" is not used by any container probe (${seen})`,
      ),
    );
  },
};
