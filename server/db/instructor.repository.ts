/** Instructor accounts in the database. Returns plain DTOs; only this layer knows Prisma. */
import {
  EmailTakenError,
  normalizeEmail,
  type InstructorDTO,
  type InstructorWithSecretDTO,
} from '@convlab/classroom';
import type { Db } from './client';
import { isUniqueViolation } from './errors';

interface InstructorRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: Date;
}

function toDTO(row: InstructorRow): InstructorDTO {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.createdAt.toISOString() };
}

/** Instructor queries over one Prisma client. */
export class InstructorRepository {
  constructor(private readonly db: Db) {}

  /** Creates an account; throws EmailTakenError when the (lower-cased) email exists. */
  async create(input: { email: string; name: string; passwordHash: string }): Promise<InstructorDTO> {
    const email = normalizeEmail(input.email);
    try {
      return toDTO(await this.db.instructor.create({ data: { email, name: input.name, passwordHash: input.passwordHash } }));
    } catch (error) {
      if (isUniqueViolation(error, 'email')) throw new EmailTakenError(email);
      throw error;
    }
  }

  /** Finds an account by email (case-insensitively), with its password hash. */
  async findByEmail(email: string): Promise<InstructorWithSecretDTO | null> {
    const row = await this.db.instructor.findUnique({ where: { email: normalizeEmail(email) } });
    return row ? { ...toDTO(row), passwordHash: row.passwordHash } : null;
  }

  /** Finds an account by id, without secrets. */
  async findById(id: string): Promise<InstructorDTO | null> {
    const row = await this.db.instructor.findUnique({ where: { id } });
    return row ? toDTO(row) : null;
  }
}
