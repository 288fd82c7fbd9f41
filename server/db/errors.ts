/** Reading Prisma's errors, so repositories can turn constraint violations into the classroom's own errors. */
import { PrismaClientKnownRequestError } from '@prisma/client/runtime/client';

/** Collects column and constraint names mentioned in a Prisma error's metadata (its shape differs per adapter). */
function mentionedNames(meta: unknown): string[] {
  const names: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 5 || value == null) return;
    if (typeof value === 'string') names.push(value);
    else if (Array.isArray(value)) value.forEach((v) => visit(v, depth + 1));
    else if (typeof value === 'object') Object.values(value as Record<string, unknown>).forEach((v) => visit(v, depth + 1));
  };
  visit(meta, 0);
  return names;
}

/** True when `error` is a unique-constraint violation that involves `field` (a column or constraint name part). */
export function isUniqueViolation(error: unknown, field: string): boolean {
  if (!(error instanceof PrismaClientKnownRequestError) || error.code !== 'P2002') return false;
  return mentionedNames(error.meta).some((name) => name === field || name.includes(field));
}

/** True when `error` is a foreign-key violation (the referenced row does not exist). */
export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof PrismaClientKnownRequestError && error.code === 'P2003';
}

/** True when `error` says the row to update or delete does not exist. */
export function isRecordNotFound(error: unknown): boolean {
  return error instanceof PrismaClientKnownRequestError && error.code === 'P2025';
}
