/**
 * Quotas (issue #10 item 5) on a real server, real socket.io clients and real databases (SQLite; PostgreSQL with
 * CONVLAB_TEST_PG_URL): students' images are refused past the per-student and per-session quotas (QUOTA_EXCEEDED,
 * logged), an image already stored costs nothing; unreferenced students' images are collected after the grace
 * period while referenced ones stay; the per-address connection cap refuses the next socket (logged) and frees a
 * place when one closes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { howCnnsSeeLesson } from '@convlab/labs';
import { connectErrorCode } from '@convlab/protocol';
import { collectUnreferencedImages } from '../../server/images/image-gc';
import { startServer, type RunningServer } from '../../server/index';
import { InstructorClient, StudentClient, api, connect, connected, rawRequest, request, signUpInstructor, type ClientSocket } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

/** The lecture's neuron lab step: it takes result images (one per method, sent with `lab:image`). */
const NEURON_STEP = howCnnsSeeLesson().steps.find((s) => s.id === 'guided-backprop')!;

/** A distinct small PNG per shade (about a hundred bytes once re-encoded). */
const png = (shade: number) => sharp({ create: { width: 16, height: 12, channels: 3, background: { r: shade, g: 80, b: 40 } } }).png().toBuffer();

// Small quotas so a few images reach them: about 3 images per student, 5 per session.
const STUDENT_MB = 0.0003;
const SESSION_MB = 0.0005;
const CAP = 6;

describe.each(databaseTargets())('quotas on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;
  let ada: StudentClient;
  let bo: StudentClient;
  const opened: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (opened.push(c), c);
  const warnings: string[] = [];

  beforeAll(async () => {
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args.join(' ')));
    db = await target.create();
    server = await startServer({
      env: {
        ...db.env,
        PORT: '0',
        HOST: '127.0.0.1',
        CONVLAB_NO_NEXT: '1',
        CONVLAB_IMAGE_QUOTA_STUDENT_MB: String(STUDENT_MB),
        CONVLAB_IMAGE_QUOTA_SESSION_MB: String(SESSION_MB),
        CONVLAB_MAX_CONNECTIONS_PER_ADDRESS: String(CAP),
      },
      log: false,
    });
    base = server.url;
    const { cookie } = await signUpInstructor(base, `quota-${target.kind}@example.org`);
    const created = await api(base, '/api/sessions', {
      cookie,
      body: { title: 'Quotas', steps: [{ kind: 'slide', id: 'intro', title: 'Intro', markdown: '' }, NEURON_STEP] },
    });
    expect(created.status).toBe(201);
    const teacher = track(await new InstructorClient(base, cookie, created.body.session.id).watching());
    expect(await request(teacher.socket, 'step:goto', { index: 1 })).toMatchObject({ ok: true });
    ada = track(await new StudentClient(base, created.body.session.code, 'Ada').joined());
    bo = track(await new StudentClient(base, created.body.session.code, 'Bo').joined());
  });

  afterAll(async () => {
    for (const c of opened) c.close();
    await server?.close();
    await db?.cleanup();
    vi.restoreAllMocks();
  });

  /** Sends images until one is refused; returns the stored hashes and the refusal. */
  async function fill(student: StudentClient, firstShade: number) {
    const hashes: string[] = [];
    for (let shade = firstShade; shade < firstShade + 20; shade++) {
      const ack = await rawRequest(student.socket, 'lab:image', { stepId: NEURON_STEP.id, image: await png(shade) });
      if (!ack.ok) return { hashes, refusal: ack };
      hashes.push((ack.data as { hash: string }).hash);
    }
    throw new Error('no quota refused the images');
  }

  it("refuses a student's images past their quota, then the session's past its own, and logs each refusal", async () => {
    const usage = server.context.imageUsage;
    const a = await fill(ada, 10);
    expect(a.hashes.length).toBeGreaterThan(0);
    expect(a.refusal).toMatchObject({ ok: false, error: 'QUOTA_EXCEEDED', message: expect.stringMatching(/a student may keep/) });
    const adaBytes = await usage.participantImageBytes(ada.participant!.id);
    expect(adaBytes).toBeLessThanOrEqual(STUDENT_MB * 1024 * 1024);
    // An image already stored costs nothing more: sending it again still works.
    expect(await rawRequest(ada.socket, 'lab:image', { stepId: NEURON_STEP.id, image: await png(10) })).toMatchObject({ ok: true, data: { hash: a.hashes[0] } });
    expect(warnings.some((w) => w.includes(`[quota] refused an image: participant ${ada.participant!.id}`))).toBe(true);

    const b = await fill(bo, 100);
    expect(b.refusal).toMatchObject({ ok: false, error: 'QUOTA_EXCEEDED', message: expect.stringMatching(/a session may keep/) });
    const boBytes = await usage.participantImageBytes(bo.participant!.id);
    expect(boBytes).toBeLessThan(STUDENT_MB * 1024 * 1024);
    expect(adaBytes + boBytes).toBeLessThanOrEqual(SESSION_MB * 1024 * 1024);
    expect(warnings.some((w) => w.includes('[quota] refused an image: session'))).toBe(true);

    // Collection: after the grace period the unreferenced images go (records and files); referenced ones stay.
    const [kept, named, ...rest] = [...a.hashes, ...b.hashes];
    const sessionId = ada.participant!.sessionId;
    const meta = { sessionId, participantId: bo.participant!.id, labId: 'neuron', stepId: NEURON_STEP.id, params: {}, computedWhere: 'browser' as const, backend: 'webgl', ms: 5 };
    await server.context.store.createSubmission({ ...meta, result: {}, resultImageHash: kept! });
    await server.context.store.createSubmission({ ...meta, result: { images: [{ method: 'guided', sha256: named! }] }, resultImageHash: null });
    const imagesDir = join(db.dataDir, 'images');
    const graceMs = server.config.quotas.imageGraceMs;
    // Within the grace period nothing is collected.
    expect(await collectUnreferencedImages({ usage, imagesDir, graceMs })).toEqual({ deleted: 0, bytes: 0 });
    const collected = await collectUnreferencedImages({ usage, imagesDir, graceMs, now: Date.now() + graceMs + 1000 });
    expect(collected.deleted).toBe(rest.length);
    for (const hash of rest) {
      expect(existsSync(join(imagesDir, hash!))).toBe(false);
      expect((await fetch(`${server.url}/api/images/${hash}`)).status).toBe(404);
    }
    for (const hash of [kept, named]) {
      expect(existsSync(join(imagesDir, hash!))).toBe(true);
      expect((await fetch(`${server.url}/api/images/${hash}`)).status).toBe(200);
    }
    // The freed space counts again: Ada may store a new image.
    expect(await rawRequest(ada.socket, 'lab:image', { stepId: NEURON_STEP.id, image: await png(200) })).toMatchObject({ ok: true });
  });

  it('caps open connections per address, logs the refusal, and frees a place when one closes', async () => {
    const address = '127.0.0.1';
    const open: ClientSocket[] = [];
    while (server.context.connections.count(address) < CAP) {
      const s = track(connect(base, { reconnection: false }));
      await connected(s);
      open.push(s);
    }
    const refused = track(connect(base, { reconnection: false }));
    const err = await connected(refused).then(() => null, (e: Error) => e);
    expect(err && connectErrorCode(err)).toBe('RATE_LIMITED');
    expect(warnings.some((w) => w.includes(`[limits] refused a connection from ${address}`))).toBe(true);

    open[0]!.close();
    const again = track(connect(base, { reconnection: false }));
    await connected(again);
    expect(again.connected).toBe(true);
  });
});
