'use client';

/**
 * A student's part in a class computation (the occlusion sweep, the max-patch search): each shard the server deals
 * to this page is computed where the student chose, one after another, and answered. A shard that fails is left to
 * the server, which takes it over at its deadline. The counts say what this laptop did in the current run.
 */
import { useEffect, useRef, useState } from 'react';
import type { JobSpecInput, ServerToClientEvents } from '@convlab/protocol';
import { describeJobError } from './use-job';
import { useServerEvent } from './use-server-event';
import type { LabRuntime } from '../lab-runtime';

/** The server events that deal a shard. */
type ShardEvent = 'sweep:shard' | 'patches:shard';
type Shard<E extends ShardEvent> = Parameters<ServerToClientEvents[E]>[0];

/** What this laptop did in the current run. */
export interface ShardWork {
  runId: string;
  computing: number;
  done: number;
  failed: number;
  /** Answers that came back after the server had finished those shards. */
  late: number;
  /** Where the last accepted shard was computed, in words. */
  where: string;
}

/**
 * Computes the shards of `event` for the lab's step and answers each with `answer(shard, data)` (which sends it and
 * resolves with the server's ack, once its check is back).
 */
export function useShardWorker<E extends ShardEvent>(
  lab: LabRuntime,
  event: E,
  runIdOf: (shard: Shard<E>) => string,
  answer: (shard: Shard<E>, data: unknown) => Promise<{ accepted: boolean }>,
  tag: string,
): ShardWork {
  const queue = useRef<Shard<E>[]>([]);
  const busy = useRef(false);
  const latest = useRef({ lab, answer });
  latest.current = { lab, answer };
  const [mine, setMine] = useState<ShardWork>({ runId: '', computing: 0, done: 0, failed: 0, late: 0, where: '' });
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true; // again after React's development double mount
    return () => {
      alive.current = false;
    };
  }, []);

  const work = async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      for (let shard = queue.current.shift(); shard && alive.current; shard = queue.current.shift()) {
        const { compute, prefer } = latest.current.lab;
        setMine((m) => ({ ...m, computing: queue.current.length + 1 }));
        try {
          const res = await compute.run(shard.job as JobSpecInput, { prefer });
          if (!alive.current) break;
          const where = res.computedBy.where === 'browser' ? `your browser (${res.computedBy.backend})` : 'the server for you';
          // The ack comes once the server has checked the answer: the next shard need not wait for it. Not accepted:
          // the server had already finished that shard (it took it over when it was late), or computes it.
          void latest.current.answer(shard, res.data).then(
            (ack) => setMine((m) => (ack.accepted ? { ...m, done: m.done + 1, where } : { ...m, late: m.late + 1 })),
            (err: unknown) => {
              console.warn(`[${tag}] a shard answer was not acknowledged; the server takes the shard over:`, describeJobError(err));
              setMine((m) => ({ ...m, failed: m.failed + 1 }));
            },
          );
        } catch (err) {
          console.warn(`[${tag}] a shard failed; the server takes it over:`, describeJobError(err));
          setMine((m) => ({ ...m, failed: m.failed + 1 }));
        }
      }
    } finally {
      busy.current = false;
      if (alive.current) setMine((m) => ({ ...m, computing: 0 }));
    }
  };

  useServerEvent(lab, event, ((shard: Shard<E>) => {
    if (shard.stepId !== lab.step.id) return;
    const runId = runIdOf(shard);
    setMine((m) => (m.runId === runId ? m : { runId, computing: 0, done: 0, failed: 0, late: 0, where: '' }));
    queue.current.push(shard);
    void work();
  }) as ServerToClientEvents[E]);

  return mine;
}

/** "Your laptop is computing 2 shards… 3 shards computed by your browser (webgl)." */
export function shardWorkSentence(mine: ShardWork): { computing: string | null; rest: string } {
  return {
    computing: mine.computing ? `Your laptop is computing ${mine.computing} shard${mine.computing === 1 ? '' : 's'}…` : null,
    rest:
      (mine.done ? ` ${mine.done} shard${mine.done === 1 ? '' : 's'} computed by ${mine.where}.` : '') +
      (mine.failed ? ` ${mine.failed} could not be computed here; the server takes them over.` : '') +
      (mine.late ? ` ${mine.late} came back after the server had already done ${mine.late === 1 ? 'it' : 'them'}.` : ''),
  };
}
