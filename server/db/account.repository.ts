/**
 * Accounts (model Instructor: instructors and students alike) and their one-time set-password tokens. Returns plain
 * DTOs; only this layer knows Prisma.
 */
import { EmailTakenError, normalizeEmail } from '@convlab/classroom';
import type { Account, AccountRole } from '@convlab/protocol';
import type { Db } from './client';
import { isUniqueViolation } from './errors';

/** An account as the server sees it (never sent as is: `toAccount` drops what the owner does not need). */
export interface AccountRecord extends Account {
  /** false: no password is set (a rostered student before their set-password link, an LMS account). */
  hasPassword: boolean;
}

export interface NewAccount {
  email: string;
  name: string;
  role: AccountRole;
  /** An scrypt hash, or null for an account that signs in another way until a password is set. */
  passwordHash: string | null;
  /** CONVLAB_ADMIN_EMAIL: an instructor account with this e-mail is the admin (approved at once). */
  adminEmail?: string;
}

interface Row {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: string;
  approvedAt: Date | null;
  isAdmin: boolean;
  createdAt: Date;
}

/** '' marks "no password" in the (non-null, pre-existing) passwordHash column. */
const NO_PASSWORD = '';

function toRecord(row: Row): AccountRecord {
  const role: AccountRole = row.role === 'student' ? 'student' : 'instructor';
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role,
    approved: role === 'student' || row.approvedAt !== null,
    admin: row.isAdmin,
    createdAt: row.createdAt.toISOString(),
    hasPassword: row.passwordHash !== NO_PASSWORD,
  };
}

/** The account as its owner sees it. */
export function toAccount(record: AccountRecord): Account {
  const { hasPassword: _hasPassword, ...account } = record;
  return account;
}

/** Account and password-token queries over one Prisma client. */
export class AccountRepository {
  constructor(private readonly db: Db) {}

  /**
   * Creates an account; EmailTakenError when the (lower-cased) e-mail exists. An instructor account is the admin, and
   * approved, when its e-mail is `adminEmail`, or (no `adminEmail` given) when no admin exists yet: the first account.
   */
  async create(input: NewAccount): Promise<AccountRecord> {
    const email = normalizeEmail(input.email);
    try {
      return await this.db.$transaction(async (tx) => {
        // With CONVLAB_ADMIN_EMAIL set only that account is admin (no race to sign up first on a new server).
        const admin =
          input.role === 'instructor' &&
          (input.adminEmail ? email === normalizeEmail(input.adminEmail) : (await tx.instructor.count({ where: { isAdmin: true } })) === 0);
        const row = await tx.instructor.create({
          data: {
            email,
            name: input.name,
            passwordHash: input.passwordHash ?? NO_PASSWORD,
            role: input.role,
            isAdmin: admin,
            approvedAt: admin ? new Date() : null,
          },
        });
        return toRecord(row);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'email')) throw new EmailTakenError(email);
      throw error;
    }
  }

  async findById(id: string): Promise<AccountRecord | null> {
    const row = await this.db.instructor.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  /** The account with this e-mail (case-insensitively) and its password hash (null when none is set). */
  async findByEmailWithHash(email: string): Promise<{ account: AccountRecord; passwordHash: string | null } | null> {
    const row = await this.db.instructor.findUnique({ where: { email: normalizeEmail(email) } });
    return row ? { account: toRecord(row), passwordHash: row.passwordHash === NO_PASSWORD ? null : row.passwordHash } : null;
  }

  /** Instructor accounts, those waiting for approval first, then newest first. */
  async listInstructors(): Promise<AccountRecord[]> {
    const rows = await this.db.instructor.findMany({ where: { role: 'instructor' }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
    return rows.map(toRecord).sort((a, b) => Number(a.approved) - Number(b.approved));
  }

  /** Approves (or withdraws the approval of) an instructor account; null when there is no such instructor. */
  async setApproved(id: string, approved: boolean, at = new Date()): Promise<AccountRecord | null> {
    const { count } = await this.db.instructor.updateMany({ where: { id, role: 'instructor' }, data: { approvedAt: approved ? at : null } });
    return count === 1 ? this.findById(id) : null;
  }

  /** Makes the instructor account with this e-mail an approved admin (CONVLAB_ADMIN_EMAIL at start-up); false if none. */
  async promoteAdmin(email: string, at = new Date()): Promise<boolean> {
    const { count } = await this.db.instructor.updateMany({
      where: { email: normalizeEmail(email), role: 'instructor' },
      data: { isAdmin: true, approvedAt: at },
    });
    return count === 1;
  }

  /**
   * Stores a set-password token's hash for `accountId`, replacing the account's unused ones (one live link per
   * account, so issuing again, or a retried request, leaves no stray link behind).
   */
  async issuePasswordToken(input: { tokenHash: string; accountId: string; issuedById: string; expiresAt: Date }): Promise<void> {
    await this.db.$transaction([
      this.db.passwordToken.deleteMany({ where: { accountId: input.accountId, usedAt: null } }),
      this.db.passwordToken.create({ data: input }),
    ]);
  }

  /** The account a live (unused, unexpired) token belongs to. */
  async findByPasswordToken(tokenHash: string, now = new Date()): Promise<AccountRecord | null> {
    const token = await this.db.passwordToken.findUnique({ where: { tokenHash }, include: { account: true } });
    if (!token || token.usedAt !== null || token.expiresAt <= now) return null;
    return toRecord(token.account);
  }

  /**
   * Uses a token once: sets the account's password, marks the token used; null when the token is unknown, used or
   * expired (two concurrent uses: exactly one wins).
   */
  async usePasswordToken(tokenHash: string, passwordHash: string, now = new Date()): Promise<AccountRecord | null> {
    return this.db.$transaction(async (tx) => {
      const token = await tx.passwordToken.findUnique({ where: { tokenHash } });
      if (!token) return null;
      const { count } = await tx.passwordToken.updateMany({ where: { tokenHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
      if (count !== 1) return null;
      return toRecord(await tx.instructor.update({ where: { id: token.accountId }, data: { passwordHash } }));
    });
  }
}
