import { describe, expect, it } from 'vitest';
import { conversationConfig } from '../../../durable-objects/conversation/config.ts';
import { drive, fakeWorld, testBot, textEvent } from './core-driver.ts';

const HOUR = 3_600_000;
const retention = conversationConfig({}).dedupRetentionMs;

describe('a signed delivery replayed after its dedup record expired', () => {
  it('is not answered again: a message older than the dedup window cannot be told from one already answered', async () => {
    const world = fakeWorld({ now: 2_000_000_000_000 });
    const events = [
      textEvent('old-1', '9', 'replayed', { timestampMs: world.now - retention - HOUR }),
      textEvent('new-1', '9', 'fresh', { timestampMs: world.now - HOUR }),
      // No timestamp at all: nothing to judge by, answered as before.
      textEvent('none-1', '9', 'undated', { timestampMs: 0 }),
    ];
    await drive('telegram:replay:9', testBot('telegram', 'replay'), events, world);
    const asked = world.log.flatMap((e) => (e.kind === 'complete' ? [e.text] : []));
    expect(asked).toEqual(['fresh', 'undated']);
  });

  it('a late but legitimate redelivery inside the window is still answered once', async () => {
    const world = fakeWorld({ now: 2_000_000_000_000 });
    const late = textEvent('late-1', '10', 'late', { timestampMs: world.now - retention + 2 * HOUR });
    await drive('telegram:replay:10', testBot('telegram', 'replay'), [late, late], world);
    expect(world.log.filter((e) => e.kind === 'complete')).toHaveLength(1);
  });
});
