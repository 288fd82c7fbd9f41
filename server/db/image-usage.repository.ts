/**
 * What students' stored images cost and which ones nothing uses any more (quotas and garbage collection in
 * server/images). Only this layer knows Prisma.
 */
import type { ImageAssetDTO, ImageMime, UploaderKind } from '@convlab/classroom';
import type { Db } from './client';

/** Storage queries behind image quotas and the collection of unreferenced images. */
export interface ImageUsageStore {
  /** The session a participant belongs to, or null. */
  sessionOfParticipant(participantId: string): Promise<string | null>;
  /** Bytes of the images recorded as uploaded by this participant. */
  participantImageBytes(participantId: string): Promise<number>;
  /** Bytes of the images recorded as uploaded by any participant of this session. */
  sessionImageBytes(sessionId: string): Promise<number>;
  /**
   * Participants' images created before `createdBefore` that no submission references, neither as its result image
   * nor by hash inside its result (a neuron lab's per-method images).
   */
  unreferencedParticipantImages(createdBefore: Date): Promise<{ hash: string; bytes: number }[]>;
  /** Deletes an image's record unless a submission now holds it as its result image; true when deleted. */
  deleteImageIfUnreferenced(hash: string): Promise<boolean>;
  /** An instructor's uploads, newest first (their image library, reusable in any step). */
  instructorImages(instructorId: string, limit: number): Promise<ImageAssetDTO[]>;
}

const HASH_IN_JSON = /[0-9a-f]{64}/g;

/** ImageAsset usage queries over one Prisma client. */
export class ImageUsageRepository implements ImageUsageStore {
  constructor(private readonly db: Db) {}

  async instructorImages(instructorId: string, limit: number): Promise<ImageAssetDTO[]> {
    const rows = await this.db.imageAsset.findMany({
      where: { uploaderKind: 'instructor', uploaderId: instructorId },
      orderBy: [{ createdAt: 'desc' }, { hash: 'asc' }],
      take: limit,
    });
    return rows.map((r) => ({ ...r, mime: r.mime as ImageMime, uploaderKind: r.uploaderKind as UploaderKind, createdAt: r.createdAt.toISOString() }));
  }

  async sessionOfParticipant(participantId: string): Promise<string | null> {
    const row = await this.db.participant.findUnique({ where: { id: participantId }, select: { sessionId: true } });
    return row?.sessionId ?? null;
  }

  async participantImageBytes(participantId: string): Promise<number> {
    const sum = await this.db.imageAsset.aggregate({ where: { uploaderKind: 'participant', uploaderId: participantId }, _sum: { bytes: true } });
    return sum._sum.bytes ?? 0;
  }

  async sessionImageBytes(sessionId: string): Promise<number> {
    const participants = await this.db.participant.findMany({ where: { sessionId }, select: { id: true } });
    if (participants.length === 0) return 0;
    const sum = await this.db.imageAsset.aggregate({
      where: { uploaderKind: 'participant', uploaderId: { in: participants.map((p) => p.id) } },
      _sum: { bytes: true },
    });
    return sum._sum.bytes ?? 0;
  }

  async unreferencedParticipantImages(createdBefore: Date): Promise<{ hash: string; bytes: number }[]> {
    const candidates = await this.db.imageAsset.findMany({
      where: { uploaderKind: 'participant', createdAt: { lt: createdBefore }, submissions: { none: {} } },
      select: { hash: true, bytes: true, createdAt: true },
      orderBy: { createdAt: 'asc' },
      take: 1000,
    });
    if (candidates.length === 0) return [];
    // A submission that names an image by hash in its result was made after the image was stored.
    const since = candidates[0]!.createdAt;
    const referenced = new Set<string>();
    const submissions = await this.db.submission.findMany({ where: { createdAt: { gte: since } }, select: { result: true } });
    for (const s of submissions) for (const hash of JSON.stringify(s.result).match(HASH_IN_JSON) ?? []) referenced.add(hash);
    return candidates.filter((c) => !referenced.has(c.hash)).map(({ hash, bytes }) => ({ hash, bytes }));
  }

  async deleteImageIfUnreferenced(hash: string): Promise<boolean> {
    const { count } = await this.db.imageAsset.deleteMany({ where: { hash, submissions: { none: {} } } });
    return count === 1;
  }
}
