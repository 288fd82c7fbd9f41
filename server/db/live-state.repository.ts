/** λ assignments and running sweeps in the database (models LambdaDeal, RunningSweep). Only this layer knows Prisma. */
import { checkLambdaDeals, checkRunningSweep, type JsonValue, type LiveStateStore, type RunningSweepDTO } from '@convlab/classroom';
import type { Db } from './client';
import type { Prisma } from './generated/sqlite/client';

/** LiveStateStore queries over one Prisma client. */
export class LiveStateRepository implements LiveStateStore {
  constructor(private readonly db: Db) {}

  async saveLambdaDeals(sessionId: string, stepId: string, deals: ReadonlyMap<string, number>): Promise<void> {
    checkLambdaDeals(deals);
    if (deals.size === 0) return;
    await this.db.$transaction(
      [...deals].map(([participantId, lambdaIndex]) =>
        this.db.lambdaDeal.upsert({
          where: { sessionId_stepId_participantId: { sessionId, stepId, participantId } },
          create: { sessionId, stepId, participantId, lambdaIndex },
          update: { lambdaIndex },
        }),
      ),
    );
  }

  async listLambdaDeals(sessionId: string, stepId: string): Promise<Map<string, number>> {
    const rows = await this.db.lambdaDeal.findMany({ where: { sessionId, stepId }, orderBy: { createdAt: 'asc' } });
    return new Map(rows.map((r) => [r.participantId, r.lambdaIndex]));
  }

  async saveRunningSweep(sweep: RunningSweepDTO): Promise<void> {
    checkRunningSweep(sweep);
    const state = sweep.state as Prisma.InputJsonValue;
    await this.db.runningSweep.upsert({
      where: { id: sweep.id },
      create: { id: sweep.id, sessionId: sweep.sessionId, stepId: sweep.stepId, state },
      update: { state, updatedAt: new Date() },
    });
  }

  async removeRunningSweep(id: string): Promise<void> {
    await this.db.runningSweep.deleteMany({ where: { id } });
  }

  async listRunningSweeps(): Promise<RunningSweepDTO[]> {
    const rows = await this.db.runningSweep.findMany({ orderBy: { updatedAt: 'asc' } });
    return rows.map((r) => ({ id: r.id, sessionId: r.sessionId, stepId: r.stepId, state: r.state as { [key: string]: JsonValue } }));
  }
}
