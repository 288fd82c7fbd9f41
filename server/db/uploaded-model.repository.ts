/** Uploaded ONNX models' catalog rows (model UploadedModel). Returns plain DTOs; only this layer knows Prisma. */
import type { Db } from './client';
import { isUniqueViolation } from './errors';

/** An uploaded model as stored: its file's name, sha256 and size, and the ModelMeta written beside it. */
export interface UploadedModelDTO {
  id: string;
  displayName: string;
  fileName: string;
  sha256: string;
  bytes: number;
  /** A ModelMeta of @convlab/nets (JSON). */
  meta: Record<string, unknown>;
  uploadedBy: string;
  createdAt: string;
}

/** Storage of uploaded models' catalog rows. */
export interface UploadedModelStore {
  /** Records a model; a row with the same id (a retried upload) is kept and returned with `created: false`. */
  saveUploadedModel(input: Omit<UploadedModelDTO, 'createdAt'>): Promise<{ model: UploadedModelDTO; created: boolean }>;
  findUploadedModel(id: string): Promise<UploadedModelDTO | null>;
  /** Every uploaded model, oldest first. */
  listUploadedModels(): Promise<UploadedModelDTO[]>;
  /** What still needs the model at `now`: live sessions and open assignments whose steps name it. */
  findModelUses(id: string, now: Date): Promise<ModelUses>;
  /** Removes the row; false when there was none. */
  deleteUploadedModel(id: string): Promise<boolean>;
}

/** The live sessions and open assignments (still taking work, or grades not released) that name a model. */
export interface ModelUses {
  sessions: Array<{ id: string; title: string; code: string }>;
  assignments: Array<{ id: string; title: string; course: string }>;
}

/** Whether stored steps (JSON) name the model: an uploaded model's id is unique text, so any mention is a use. */
function names(steps: unknown, id: string): boolean {
  return JSON.stringify(steps).includes(JSON.stringify(id));
}

interface Row extends Omit<UploadedModelDTO, 'createdAt' | 'meta'> {
  meta: unknown;
  createdAt: Date;
}

function toDTO(row: Row): UploadedModelDTO {
  return { ...row, meta: row.meta as Record<string, unknown>, createdAt: row.createdAt.toISOString() };
}

/** UploadedModel queries over one Prisma client. */
export class UploadedModelRepository implements UploadedModelStore {
  constructor(private readonly db: Db) {}

  async saveUploadedModel(input: Omit<UploadedModelDTO, 'createdAt'>): Promise<{ model: UploadedModelDTO; created: boolean }> {
    const found = await this.findUploadedModel(input.id);
    if (found) return { model: found, created: false };
    try {
      return { model: toDTO(await this.db.uploadedModel.create({ data: { ...input, meta: input.meta as object } })), created: true };
    } catch (error) {
      // The same upload retried on another connection at once: the first one's row stands.
      if (!isUniqueViolation(error, 'id') && !isUniqueViolation(error, 'UploadedModel_pkey')) throw error;
      return { model: (await this.findUploadedModel(input.id))!, created: false };
    }
  }

  async findUploadedModel(id: string): Promise<UploadedModelDTO | null> {
    const row = await this.db.uploadedModel.findUnique({ where: { id } });
    return row ? toDTO(row) : null;
  }

  async listUploadedModels(): Promise<UploadedModelDTO[]> {
    return (await this.db.uploadedModel.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map(toDTO);
  }

  async findModelUses(id: string, now: Date): Promise<ModelUses> {
    const sessions = await this.db.liveSession.findMany({ where: { status: 'live' }, select: { id: true, title: true, code: true, steps: true }, orderBy: { createdAt: 'asc' } });
    // Open: grades not released, or students may still hand in (before the due time or an extension's).
    const assignments = await this.db.assignment.findMany({
      where: { OR: [{ releasedAt: null }, { dueAt: { gt: now } }, { extensions: { some: { dueAt: { gt: now } } } }] },
      select: { id: true, title: true, steps: true, course: { select: { title: true } } },
      orderBy: { createdAt: 'asc' },
    });
    return {
      sessions: sessions.filter((s) => names(s.steps, id)).map(({ id, title, code }) => ({ id, title, code })),
      assignments: assignments.filter((a) => names(a.steps, id)).map((a) => ({ id: a.id, title: a.title, course: a.course.title })),
    };
  }

  async deleteUploadedModel(id: string): Promise<boolean> {
    return (await this.db.uploadedModel.deleteMany({ where: { id } })).count > 0;
  }
}
