// Download slots: at most `size` at once, an opened link ahead of the archive, and a full queue
// turned away instead of left hanging.

import { describe, expect, it } from 'vitest';
import { FetchSlots } from '../../../src/media/fetch-slots.js';
import { flush } from '../../helpers/manual-clock.js';

describe('FetchSlots', () => {
  it('grants waiting requests before waiting archive fetches', async () => {
    const slots = new FetchSlots(1, 8);
    const order: string[] = [];
    const first = await slots.acquire('archive');
    const archive = slots.acquire('archive').then((release) => {
      order.push('archive');
      return release;
    });
    const request = slots.acquire('request').then((release) => {
      order.push('request');
      return release;
    });
    expect(slots.active).toBe(1);
    first();
    (await request)();
    (await archive)();
    await flush();
    expect(order).toEqual(['request', 'archive']);
    expect(slots.active).toBe(0);
  });

  it('turns requests away once the queue is full, and a release counts once', async () => {
    const slots = new FetchSlots(1, 1);
    const release = await slots.acquire('request');
    const waiting = slots.acquire('request');
    await expect(slots.acquire('request')).rejects.toMatchObject({ code: 'HIKARC_MEDIA_BUSY' });
    release();
    release();
    (await waiting)();
    expect(slots.active).toBe(0);
  });
});
