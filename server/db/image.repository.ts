/** Image metadata in the database (the bytes are files under `<data dir>/images/`). Returns plain DTOs. */
import { checkNewImageAsset, type ImageAssetDTO, type ImageMime, type NewImageAsset, type UploaderKind } from '@convlab/classroom';
import type { Db } from './client';
import { isUniqueViolation } from './errors';

interface ImageRow {
  hash: string;
  mime: string;
  width: number;
  height: number;
  bytes: number;
  uploaderKind: string;
  uploaderId: string | null;
  createdAt: Date;
}

function toDTO(row: ImageRow): ImageAssetDTO {
  return {
    hash: row.hash,
    mime: row.mime as ImageMime,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    uploaderKind: row.uploaderKind as UploaderKind,
    uploaderId: row.uploaderId,
    createdAt: row.createdAt.toISOString(),
  };
}

/** ImageAsset queries over one Prisma client. */
export class ImageRepository {
  constructor(private readonly db: Db) {}

  /** Records an image once; the same hash again returns the first row (content-addressed, same bytes). */
  async save(input: NewImageAsset): Promise<ImageAssetDTO> {
    checkNewImageAsset(input);
    const existing = await this.db.imageAsset.findUnique({ where: { hash: input.hash } });
    if (existing) return toDTO(existing);
    try {
      return toDTO(await this.db.imageAsset.create({ data: { ...input } }));
    } catch (error) {
      // Two uploads of the same file at once: the loser reads the winner's row. (The primary key is the only
      // unique constraint; PostgreSQL names it `ImageAsset_pkey`, SQLite names the column.)
      if (!isUniqueViolation(error, 'hash') && !isUniqueViolation(error, 'ImageAsset_pkey')) throw error;
      const row = await this.db.imageAsset.findUnique({ where: { hash: input.hash } });
      if (!row) throw error;
      return toDTO(row);
    }
  }

  async find(hash: string): Promise<ImageAssetDTO | null> {
    const row = await this.db.imageAsset.findUnique({ where: { hash } });
    return row ? toDTO(row) : null;
  }
}
