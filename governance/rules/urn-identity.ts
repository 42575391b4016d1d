import { at, field, type Rule } from '../lint/context.ts';
import { stringValue } from '../parse/nodes.ts';
import { shorten } from '../parse/numbers.ts';
import { idKey } from './unique-id.ts';
import { inUrnNamespace } from './urn-prefix.ts';

export const urnIdentity: Rule = {
  code: 'QY072',
  name: 'urn-identity',
  severity: 'warning',
  rationale:
    "urn ends with the document's unique_id (urn:…:<unique_id>), so the name and the id cannot drift apart.",
  checkFile(ctx, report) {
    const urn = field(ctx, 'document_metadata', 'urn');
    const id = field(ctx, 'document_metadata', 'unique_id');
    const urnText = urn ? stringValue(urn.entry.value) : undefined;
    const idText = id ? stringValue(id.entry.value) : undefined;
    if (!urn || urnText === undefined || idText === undefined || idText === '') return;
    // A urn outside the platform namespaces is QY022's finding; what it ends with is beside the point.
    if (!inUrnNamespace(ctx.policy.namespaces, urnText)) return;
    if (urnText.endsWith(`:${idText}`)) return;
    const last = urnText.slice(urnText.lastIndexOf(':') + 1);
    // UUIDs are case-insensitive (RFC 4122), as QY060 compares them.
    if (idKey(last) === idKey(idText)) return;
    report(
      at(
        urn.entry.value,
        urn.path,
        `urn ends with "${shorten(last)}", not with the unique_id "${shorten(idText)}"`,
      ),
    );
  },
};
