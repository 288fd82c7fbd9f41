import { describe, expect, it } from 'vitest';
import type { Presence } from '@convlab/protocol';
import { ManualClock } from './clock';
import { PresenceTracker } from './presence';

function setup(graceMs = 30_000) {
  const clock = new ManualClock();
  const changes: [string, Presence][] = [];
  const tracker = new PresenceTracker({ clock, graceMs, onChange: (_s, p, presence) => changes.push([p, presence]) });
  return { clock, changes, tracker };
}

describe('PresenceTracker', () => {
  it('goes online → reconnecting → offline after the grace period', () => {
    const { clock, changes, tracker } = setup();
    tracker.connect('s1', 'p1', 'c1');
    expect(tracker.presenceOf('p1')).toBe('online');
    tracker.disconnect('p1', 'c1');
    expect(tracker.presenceOf('p1')).toBe('reconnecting');
    clock.advance(29_999);
    expect(tracker.presenceOf('p1')).toBe('reconnecting');
    clock.advance(1);
    expect(tracker.presenceOf('p1')).toBe('offline');
    expect(changes).toEqual([
      ['p1', 'online'],
      ['p1', 'reconnecting'],
      ['p1', 'offline'],
    ]);
    expect(clock.pending).toBe(0);
  });

  it('keeps the seat when the participant reconnects within the grace period', () => {
    const { clock, changes, tracker } = setup();
    tracker.connect('s1', 'p1', 'c1');
    tracker.disconnect('p1', 'c1');
    clock.advance(10_000);
    tracker.connect('s1', 'p1', 'c2');
    clock.advance(60_000);
    expect(tracker.presenceOf('p1')).toBe('online');
    expect(changes.map((c) => c[1])).toEqual(['online', 'reconnecting', 'online']);
    expect(clock.pending).toBe(0); // the grace timer was cancelled
  });

  it('stays online while another tab is open', () => {
    const { changes, tracker } = setup();
    tracker.connect('s1', 'p1', 'tab1');
    tracker.connect('s1', 'p1', 'tab2');
    expect(tracker.connectionCount('p1')).toBe(2);
    tracker.disconnect('p1', 'tab1');
    expect(tracker.presenceOf('p1')).toBe('online');
    tracker.disconnect('p1', 'tab1'); // a duplicate close is ignored
    expect(tracker.presenceOf('p1')).toBe('online');
    tracker.disconnect('p1', 'tab2');
    expect(tracker.presenceOf('p1')).toBe('reconnecting');
    expect(changes.map((c) => c[1])).toEqual(['online', 'reconnecting']);
  });

  it('restarts the grace period on every drop', () => {
    const { clock, tracker } = setup(1000);
    tracker.connect('s1', 'p1', 'c1');
    tracker.disconnect('p1', 'c1');
    clock.advance(900);
    tracker.connect('s1', 'p1', 'c2');
    tracker.disconnect('p1', 'c2');
    clock.advance(900);
    expect(tracker.presenceOf('p1')).toBe('reconnecting');
    clock.advance(100);
    expect(tracker.presenceOf('p1')).toBe('offline');
  });

  it('releases at once with a zero grace period, and forgets dropped participants silently', () => {
    const { clock, changes, tracker } = setup(0);
    tracker.connect('s1', 'p1', 'c1');
    tracker.disconnect('p1', 'c1');
    expect(tracker.presenceOf('p1')).toBe('offline');
    tracker.connect('s1', 'p2', 'c2');
    tracker.drop('p2');
    expect(tracker.presenceOf('p2')).toBe('offline');
    expect(changes).toEqual([
      ['p1', 'online'],
      ['p1', 'offline'],
      ['p2', 'online'],
    ]);
    expect(clock.pending).toBe(0);
  });

  it('ignores a disconnect of an unknown participant', () => {
    const { changes, tracker } = setup();
    tracker.disconnect('nobody', 'c1');
    expect(changes).toEqual([]);
  });
});
