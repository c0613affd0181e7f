import { describe, expect, it } from 'vitest';
import { LinkSupervisor } from '../../../src/ingest/link-supervisor.js';

describe('LinkSupervisor', () => {
  it('starts down: a receiver never reached since start is a fault once the delay has passed', () => {
    const link = new LinkSupervisor(60_000, 1_000);
    expect(link.link).toBe('down');
    expect(link.dueInMs(1_000)).toBe(60_000);
    expect(link.check(60_999)).toBeUndefined();
    expect(link.check(61_000)).toBe('fault');
    expect(link.check(200_000)).toBeUndefined();
    expect(link.dueInMs(200_000)).toBeUndefined();
  });

  it('a drop that heals before the delay reports nothing', () => {
    const link = new LinkSupervisor(60_000, 0);
    expect(link.up()).toBeUndefined();
    link.down(10_000);
    expect(link.check(69_999)).toBeUndefined();
    expect(link.up()).toBeUndefined();
    expect(link.check(500_000)).toBeUndefined();
  });

  it('one fault per outage and its restore when the link is back', () => {
    const link = new LinkSupervisor(1_000, 0);
    link.up();
    link.down(5_000);
    expect(link.dueInMs(5_400)).toBe(600);
    expect(link.check(6_000)).toBe('fault');
    expect(link.isFaultReported).toBe(true);
    expect(link.up()).toBe('restore');
    expect(link.up()).toBeUndefined();
    link.down(10_000);
    expect(link.check(11_000)).toBe('fault');
    expect(link.up()).toBe('restore');
  });

  it('down while down keeps the first time', () => {
    const link = new LinkSupervisor(1_000, 0);
    link.down(500);
    expect(link.check(1_000)).toBe('fault');
  });
});
