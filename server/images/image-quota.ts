/**
 * Storage quotas for students' images (lab result images): per student and per session, so one join code cannot fill
 * the disk. Instructors' uploads are not counted. Every refusal is logged.
 */
import { ProtocolError } from '@convlab/protocol';
import type { ImageUsageStore } from '../db';

export interface ImageQuotaLimits {
  /** Bytes of images one student may have stored. */
  perStudentBytes: number;
  /** Bytes of images all students of one session may have stored. */
  perSessionBytes: number;
}

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** Checks a new image against its uploader's quotas. */
export class ImageQuota {
  constructor(
    private readonly usage: ImageUsageStore,
    readonly limits: ImageQuotaLimits,
    private readonly log: (line: string) => void = (line) => console.warn(line),
  ) {}

  /** Throws QUOTA_EXCEEDED (and logs it) when storing `bytes` more for this uploader would pass a quota. */
  async check(uploader: { kind: string; id: string | null }, bytes: number): Promise<void> {
    if (uploader.kind !== 'participant' || !uploader.id) return;
    const participantId = uploader.id;
    const used = await this.usage.participantImageBytes(participantId);
    if (used + bytes > this.limits.perStudentBytes) {
      this.refuse(`participant ${participantId} stores ${mb(used)} of ${mb(this.limits.perStudentBytes)}`);
      throw new ProtocolError('QUOTA_EXCEEDED', `you have stored ${mb(used)} of images, the most a student may keep is ${mb(this.limits.perStudentBytes)}`);
    }
    const sessionId = await this.usage.sessionOfParticipant(participantId);
    if (!sessionId) return;
    const sessionUsed = await this.usage.sessionImageBytes(sessionId);
    if (sessionUsed + bytes > this.limits.perSessionBytes) {
      this.refuse(`session ${sessionId} stores ${mb(sessionUsed)} of ${mb(this.limits.perSessionBytes)} (participant ${participantId})`);
      throw new ProtocolError('QUOTA_EXCEEDED', `this session's students have stored ${mb(sessionUsed)} of images, the most a session may keep is ${mb(this.limits.perSessionBytes)}`);
    }
  }

  private refuse(detail: string): void {
    this.log(`[quota] refused an image: ${detail}`);
  }
}
