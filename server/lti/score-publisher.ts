/**
 * Publishing scores to LMS line items (AGS). A score is stored as pending first, so nothing is lost when the
 * platform is down or the server restarts; due scores are sent one after the other, and a failure is retried after
 * the next delay of `retryDelaysMs` (back-off) until they run out, when the score is marked failed with its reason.
 * "Send again" queues it afresh. Every node of a scaled-out server runs a publisher over the same database: each
 * attempt is claimed in the database first, so exactly one node sends it.
 */
import type { LtiRepository, LtiScoreDTO, NewLtiScore } from '../db';
import { SCOPES } from './claims';
import { PlatformCallError, type PlatformClient } from './platform-client';

/** The back-off between attempts: after the n-th failure, wait retryDelaysMs[n-1]; past the end, give up. */
export const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000];
/** How long a claimed attempt is this node's (past the token and score calls' timeouts); a node that dies mid-send leaves the score due again after it. */
const CLAIM_MS = 60_000;

/** What the gradebook shows for a score: "sent", "pending" or "failed: reason". */
export function scoreLabel(score: Pick<LtiScoreDTO, 'status' | 'lastError'>): string {
  return score.status === 'failed' ? `failed: ${score.lastError ?? 'unknown reason'}` : score.status;
}

export class ScorePublisher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly repo: LtiRepository,
    private readonly client: PlatformClient,
    private readonly retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores the score as pending and starts sending it. */
  async queue(score: NewLtiScore): Promise<LtiScoreDTO> {
    const stored = await this.repo.queueScore(score, new Date(this.now()));
    this.kick();
    return stored;
  }

  /**
   * Queues a stored score again ("send again") with a fresh timestamp. With `seenUpdatedAt`, only if the score is
   * still the version the instructor saw, so a retried request sends nothing twice. Null when there is no such score.
   */
  async resend(id: string, seenUpdatedAt?: string): Promise<LtiScoreDTO | null> {
    if (await this.repo.requeueScore(id, seenUpdatedAt ? new Date(seenUpdatedAt) : null, new Date(this.now()))) this.kick();
    return this.repo.findScore(id);
  }

  /** Sends every due score now (and schedules the next retry); resolves when this round is done. */
  kick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain()
      .catch((error: unknown) => console.error('[lti] score publishing failed:', error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.kick();
        }
      });
    return this.running;
  }

  /** Stops sending; resolves when the round in progress (if any) has finished. Pending scores stay stored. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = await this.repo.dueScores(new Date(this.now()));
      if (due.length === 0 || this.closed) break;
      for (const score of due) if (!this.closed) await this.attempt(score);
    }
    await this.scheduleNext();
  }

  private async attempt(score: LtiScoreDTO): Promise<void> {
    const claimedUntil = new Date(this.now() + CLAIM_MS);
    if (!(await this.repo.claimScore(score, claimedUntil))) return; // another node is sending it
    const attempts = score.attempts + 1;
    try {
      const platform = await this.repo.findPlatform(score.platformId);
      if (!platform) throw new PlatformCallError('the platform is no longer registered');
      await this.client.publishScore(
        platform,
        score.lineItemUrl,
        {
          userId: (await this.repo.findUser(score.userId))?.subject ?? '',
          scoreGiven: score.scoreGiven,
          scoreMaximum: score.scoreMaximum,
          activityProgress: score.activityProgress,
          gradingProgress: score.gradingProgress,
          timestamp: score.timestamp,
        },
        SCOPES.score,
      );
      await this.repo.recordScoreAttempt(score.id, claimedUntil, { status: 'sent', attempts, lastError: null, nextAttemptAt: null }, new Date(this.now()));
    } catch (error) {
      const reason = error instanceof PlatformCallError ? error.message : 'an unexpected error (see the server log)';
      if (!(error instanceof PlatformCallError)) console.error('[lti] sending a score failed:', error);
      const delay = this.retryDelaysMs[attempts - 1];
      const at = new Date(this.now());
      await this.repo.recordScoreAttempt(
        score.id,
        claimedUntil,
        delay === undefined
          ? { status: 'failed', attempts, lastError: reason, nextAttemptAt: null }
          : { status: 'pending', attempts, lastError: reason, nextAttemptAt: new Date(at.getTime() + delay) },
        at,
      );
    }
  }

  /** Wakes up when the earliest pending retry is due (one timer per process). */
  private async scheduleNext(): Promise<void> {
    clearTimeout(this.timer);
    const next = await this.repo.nextScoreDue();
    if (!next || this.closed) return;
    const wait = Math.max(0, next.getTime() - this.now());
    this.timer = setTimeout(() => void this.kick(), Math.min(wait, 2 ** 31 - 1));
    this.timer.unref();
  }
}
