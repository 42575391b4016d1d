import { isMap } from 'yaml';
import { at, field, type Rule } from '../lint/context.ts';
import { getEntry, isBlank, seqItems, stringValue } from '../parse/nodes.ts';

export const approvalChain: Rule = {
  code: 'QY032',
  name: 'approval-chain',
  severity: 'error',
  rationale: 'A critical resource names who approves its changes: a non-empty approval_chain.',
  checkFile(ctx, report) {
    const lifecycle = field(ctx, 'governance_info', 'lifecycle_policy');
    const value = lifecycle ? stringValue(lifecycle.entry.value) : undefined;
    if (!lifecycle || value === undefined || !ctx.policy.approvalRequiredFor.includes(value)) return;
    const block = lifecycle.block;
    if (!isMap(block.value)) return;
    const chain = getEntry(block.value, 'approval_chain', block.deref);
    const items = chain ? seqItems(chain.value, block.deref) : undefined;
    // A chain of blank names (`[""]`, `[~]`) names nobody who approves.
    if (items?.some((item) => !isBlank(item))) return;
    const node = chain?.value ?? chain?.key ?? lifecycle.entry.value;
    const message = `lifecycle_policy ${value} requires a non-empty approval_chain`;
    report(at(node, 'governance_info.approval_chain', message));
  },
};
