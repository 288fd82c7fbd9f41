/**
 * The server on CONVLAB_COMPUTE_BACKEND=webgpu, as a real process: with no WebGPU adapter at all it refuses to start
 * and says why; on Chromium's SwiftShader (software Vulkan, no GPU needed) it starts, names the adapter in
 * /api/health and its log, and a student's job through the socket runs on the GPU worker, its result naming the
 * adapter (the lab's "computed where" badge shows `computedBy.device`). Real MobileNet v1 0.25, real sockets, SQLite.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobOutcome } from '@convlab/protocol';
import { swiftShaderEnv } from '../../server/compute/webgpu-setup';
import { InstructorClient, SLIDES, StudentClient, api, request, signUpInstructor, waitFor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';
import { freePort, spawnServer, type ServerProcess } from './helpers/server-process';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const MODEL = 'mobilenet_v1_0.25_224';
const HAVE_DATA = existsSync(path.join(MODELS, MODEL));
const sqlite = databaseTargets()[0]!;

describe('CONVLAB_COMPUTE_BACKEND=webgpu', () => {
  it('refuses to start when there is no WebGPU adapter, and says why', async () => {
    const db = await sqlite.create();
    try {
      const env = { ...db.env, PORT: String(await freePort()), HOST: '127.0.0.1', CONVLAB_COMPUTE_BACKEND: 'webgpu', VK_ICD_FILENAMES: '/nonexistent/icd.json', LD_LIBRARY_PATH: '' };
      const started = spawnServer(env, 60_000);
      await expect(started).rejects.toThrow(/exited with 1[\s\S]*CONVLAB_COMPUTE_BACKEND=webgpu: no WebGPU adapter found/);
    } finally {
      await db.cleanup();
    }
  }, 90_000);
});

describe.skipIf(!HAVE_DATA)('a server computing on WebGPU (SwiftShader)', () => {
  let db: TestDatabase;
  let proc: ServerProcess;
  const opened: { close(): void }[] = [];

  beforeAll(async () => {
    const vulkan = swiftShaderEnv();
    if (!vulkan) throw new Error("Chromium's SwiftShader is missing (/usr/lib/chromium/vk_swiftshader_icd.json): apt-get install -y chromium");
    db = await sqlite.create();
    // One worker: the GPU worker alone (no wasm worker to take the job instead).
    proc = await spawnServer({
      ...(Object.fromEntries(Object.entries(vulkan).filter(([, v]) => v !== undefined)) as Record<string, string>),
      ...db.env,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      CONVLAB_COMPUTE_BACKEND: 'webgpu',
      CONVLAB_COMPUTE_WORKERS: '1',
      CONVLAB_MODELS_DIR: MODELS,
    });
  }, 90_000);

  afterAll(async () => {
    for (const c of opened) c.close();
    await proc?.kill('SIGTERM');
    await db?.cleanup();
  });

  it('names the adapter in /api/health before the first job', async () => {
    const health = await api(proc.url, '/api/health');
    expect(health.body.compute).toMatchObject({ started: false, backend: 'webgpu', configured: 'webgpu', adapter: { software: true } });
    expect(health.body.compute.adapter.name).toMatch(/SwiftShader/);
  });

  it("runs a student's job on the GPU worker; the result, the health and the log name the adapter", async () => {
    const { cookie } = await signUpInstructor(proc.url, 'webgpu@example.org');
    const created = await api(proc.url, '/api/sessions', { cookie, body: { title: 'How CNNs see', steps: SLIDES } });
    const { id: sessionId, code } = created.body.session;
    opened.push(await new InstructorClient(proc.url, cookie, sessionId).watching());
    const student = new StudentClient(proc.url, code, 'Ada');
    opened.push(student);
    await student.joined();
    const results = new Map<string, JobOutcome>();
    student.socket.on('job:result', (o) => results.set(o.jobId, o));

    const spec = { kind: 'classify', model: MODEL, image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, params: { top: 3 } } as const;
    const ack = await request(student.socket, 'job:submit', { spec }, 120_000);
    if (!ack.ok) throw new Error(`job:submit refused: ${ack.error} ${ack.message}`);
    const outcome = await waitFor(() => results.get(ack.data.jobId), 'the classify result', 150_000);
    if (!outcome.ok) throw new Error(`job failed: ${outcome.error} ${outcome.message}`);
    expect(outcome.computedBy).toMatchObject({ where: 'server', backend: 'webgpu', cached: false });
    expect(outcome.computedBy.device).toMatch(/^SwiftShader .*\(software\)$/);
    // The cat photo: the same top class as on every other backend.
    expect((outcome.data as { predictions: Array<{ label?: string }> }).predictions[0]!.label).toMatch(/cat/i);

    const health = await api(proc.url, '/api/health');
    expect(health.body.compute).toMatchObject({ started: true, backend: 'webgpu', adapter: { software: true } });
    expect(health.body.compute.adapter.name).toMatch(/SwiftShader/);
    expect(proc.output()).toMatch(/compute: 1 webgpu worker on SwiftShader [^\n]*software adapter/);
  }, 240_000);
});
