import { describe, expect, it } from 'vitest';
import { LeaseTable } from '../../../durable-objects/engine-pool/lease-table.ts';

describe('LeaseTable changes and restore', () => {
  it('reports each changed lease once, as it stands: stored, shrunk, or dropped', () => {
    const table = new LeaseTable();
    const a = table.grant('o1', 'http://o1', 'req', 1000, false);
    const block = table.grant('o1', 'http://o1', 'req', 1000, false, 4);
    expect(table.takeChanges()).toEqual({ put: [a, block], drop: [] });
    expect(table.takeChanges()).toBeUndefined();
    table.shrink(block.id, 2);
    table.release(a.id);
    expect(table.takeChanges()).toEqual({ put: [{ ...block, slots: 2 }], drop: [a.id] });
    // Nothing to do is no change: an unknown id, or a shrink that keeps every slot.
    table.release('nope');
    table.shrink(block.id, 5);
    expect(table.takeChanges()).toBeUndefined();
  });

  it('a lease granted and released before storage is dropped, never stored', () => {
    const table = new LeaseTable();
    const a = table.grant('o1', 'http://o1', 'req', 1000, false);
    table.release(a.id);
    expect(table.takeChanges()).toEqual({ put: [], drop: [a.id] });
  });

  it('restores live leases with their slots, leaves expired ones out, and never reuses an id', () => {
    const before = new LeaseTable();
    const live = before.grant('o1', 'http://o1', 'same', 5000, false, 3);
    const gone = before.grant('o2', 'http://o2', 'same', 100, true);
    const after = new LeaseTable();
    after.restore([live, gone], 1000);
    expect(after.inFlight('o1')).toBe(3);
    expect(after.inFlight('o2')).toBe(0);
    expect(after.get(gone.id)).toBeUndefined();
    // The expired one is dropped from storage too.
    expect(after.takeChanges()).toEqual({ put: [], drop: [gone.id] });
    const next = after.grant('o1', 'http://o1', 'same', 5000, false);
    expect([live.id, gone.id]).not.toContain(next.id);
    expect(after.release(live.id)?.slots).toBe(3);
    expect(after.inFlight('o1')).toBe(1);
  });
});

describe('LeaseTable id sequence', () => {
  it('a restored table makes ids past the given floor, also with nothing to restore', () => {
    const before = new LeaseTable();
    const old = before.grant('o1', 'http://o1', 'same', 5000, false);
    before.release(old.id);
    const after = new LeaseTable();
    after.restore([], 1000, before.seq + 10);
    const next = after.grant('o1', 'http://o1', 'same', 5000, false);
    expect(next.id).not.toBe(old.id);
    expect(after.seq).toBe(before.seq + 11);
  });
});
