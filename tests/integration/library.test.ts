/**
 * The lesson library over real HTTP on both databases: lessons as documents (create, autosave with revisions,
 * copy, delete and undo), snapshot isolation of sessions started from them, export → import with images, sharing
 * with a colleague, and deleting or duplicating a session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LessonFileSchema, LessonResponseSchema, LibraryResponseSchema, SessionDetailResponseSchema, type Step } from '@convlab/protocol';
import { useApiServer } from './helpers/api-server';
import { api, connect, connected, request, signUpInstructor } from './helpers/clients';
import { databaseTargets } from './helpers/databases';

const PHOTO = join(__dirname, '../../assets/photos/skimage_chelsea.png');
let idCounter = 0;
const newId = () => `lesson-${Date.now().toString(36)}-${(idCounter += 1)}`;

const slide = (id: string, title: string, imageUrl?: string): Step => ({ kind: 'slide', id, title, markdown: `About ${title}`, ...(imageUrl ? { imageUrl } : {}) });

describe.each(databaseTargets())('lesson library on $kind', (target) => {
  const suite = useApiServer(target);
  const as = (cookie: string) => (path: string, init: Parameters<typeof api>[2] = {}) => api(suite.base, path, { cookie, ...init });

  it('keeps lessons as documents: create (retry-safe), autosave with revisions, copy, delete with undo, private to their owner', async () => {
    const ada = as((await signUpInstructor(suite.base, `ada-${target.kind}@example.org`)).cookie);
    const id = newId();
    // A draft may be unfinished: no title yet, an untitled step.
    const created = await ada('/api/library', { body: { id, title: '', steps: [slide('a', '')] } });
    expect(created.status).toBe(201);
    const draft = LessonResponseSchema.parse(created.body).lesson;
    expect(draft.problems).toEqual(['The lesson needs a title.', 'Step 1 needs a title.']);
    // The same create again (a retry after a lost answer) answers with the same lesson and makes no second one.
    expect((await ada('/api/library', { body: { id, title: '', steps: [] } })).body.lesson).toMatchObject({ id, revision: 1 });

    const saved = await ada(`/api/library/${id}`, { body: { title: 'Friday prep', steps: [slide('a', 'Intro')], revision: 1 } });
    expect(saved.body.lesson).toMatchObject({ title: 'Friday prep', revision: 2, problems: [] });
    // A save from an older copy of the editor (another tab) is refused instead of overwriting.
    const stale = await ada(`/api/library/${id}`, { body: { title: 'Old tab', steps: [], revision: 1 } });
    expect(stale).toMatchObject({ status: 409, body: { error: 'CONFLICT' } });
    expect((await ada(`/api/library/${id}`)).body.lesson).toMatchObject({ title: 'Friday prep', steps: [slide('a', 'Intro')] });

    // Copy of the ready-made lesson and a duplicate of one's own.
    const ready = await ada('/api/library', { body: { id: newId(), copyOf: 'ready:how-cnns-see' } });
    expect(ready.body.lesson).toMatchObject({ title: 'How CNNs see', origin: 'Copy of How CNNs see', problems: [] });
    const dup = await ada('/api/library', { body: { id: newId(), copyOf: id } });
    expect(dup.body.lesson).toMatchObject({ title: 'Friday prep', origin: 'Copy of Friday prep' });

    // Delete, see it among the deleted, undo.
    expect((await ada(`/api/library/${dup.body.lesson.id}/delete`, { method: 'POST' })).status).toBe(200);
    let library = LibraryResponseSchema.parse((await ada('/api/library')).body);
    expect(library.lessons.map((l) => l.title).sort()).toEqual(['Friday prep', 'How CNNs see']);
    expect(library.deleted.map((l) => l.id)).toEqual([dup.body.lesson.id]);
    expect((await ada(`/api/library/${dup.body.lesson.id}`)).status).toBe(404);
    await ada(`/api/library/${dup.body.lesson.id}/restore`, { method: 'POST' });
    library = LibraryResponseSchema.parse((await ada('/api/library')).body);
    expect(library.lessons).toHaveLength(3);
    expect(library.deleted).toHaveLength(0);

    // Someone else's lesson is not there for them, and its id cannot be taken over.
    const bob = as((await signUpInstructor(suite.base, `bob-${target.kind}@example.org`)).cookie);
    expect((await bob(`/api/library/${id}`)).status).toBe(404);
    expect((await bob(`/api/library/${id}`, { body: { title: 'Mine', steps: [], revision: 2 } })).status).toBe(404);
    expect((await bob('/api/library', { body: { id, title: 'Mine', steps: [] } })).status).toBe(409);
    expect((await api(suite.base, '/api/library')).status).toBe(401);
    // Bad drafts are refused with the field named, and nothing changes.
    const bad = await ada(`/api/library/${id}`, { body: { title: 'x', steps: [slide('a', 'A'), slide('a', 'B')], revision: 2 } });
    expect(bad).toMatchObject({ status: 400, body: { message: expect.stringMatching(/duplicate step id "a"/) } });
    expect((await ada(`/api/library/${id}`)).body.lesson.revision).toBe(2);
  });

  it('starts a session from a snapshot: later edits of the lesson never reach it; unfinished lessons are refused', async () => {
    const { cookie } = await signUpInstructor(suite.base, `snap-${target.kind}@example.org`);
    const me = as(cookie);
    const id = newId();
    await me('/api/library', { body: { id, title: 'Monday', steps: [slide('one', 'One'), slide('two', 'Two')] } });
    const started = await me(`/api/library/${id}/start`, { method: 'POST' });
    expect(started.status).toBe(201);
    const sessionId = started.body.session.id as string;
    await me(`/api/library/${id}`, { body: { title: 'Monday (fixed typo)', steps: [slide('one', 'Uno')], revision: 1 } });
    const detail = SessionDetailResponseSchema.parse((await me(`/api/sessions/${sessionId}`)).body);
    expect(detail.session.title).toBe('Monday');
    expect(detail.session.steps).toEqual([slide('one', 'One'), slide('two', 'Two')]);
    // A live socket sees the same snapshot.
    const socket = connect(suite.base, { cookie });
    await connected(socket);
    const watched = await request(socket, 'instructor:watch', { sessionId });
    socket.close();
    expect(watched).toMatchObject({ ok: true, data: { state: { title: 'Monday', steps: [{ title: 'One' }, { title: 'Two' }] } } });

    // Unfinished: refused in words, no session made.
    const draftId = newId();
    await me('/api/library', { body: { id: draftId, title: 'Draft', steps: [slide('x', '')] } });
    const before = (await me('/api/sessions')).body.sessions.length;
    expect(await me(`/api/library/${draftId}/start`, { method: 'POST' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/Step 1 needs a title/) } });
    expect((await me('/api/sessions')).body.sessions).toHaveLength(before);
    // A lab step letting students change what their panel has no control for (the sweep's window) is refused, in words.
    const ready = (await me('/api/library', { body: { id: newId(), copyOf: 'ready:how-cnns-see' } })).body.lesson;
    const steps = ready.steps.map((s: Step) => (s.kind === 'lab' && s.labId === 'occlusion' ? { ...s, studentControls: ['fill', 'window'] } : s));
    await me(`/api/library/${ready.id}`, { body: { title: ready.title, steps, revision: ready.revision } });
    expect(await me(`/api/library/${ready.id}/start`, { method: 'POST' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/students cannot change the window/) } });
    expect(await me('/api/sessions', { body: { title: 'Direct', steps } })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/students cannot change the window/) } });
    // A quantized model cannot serve a lab that needs gradients: marked in the library, refused at start, in words.
    const v2Layer = 'MobilenetV2/Conv_1/Relu6';
    const onModel = (model: string, extra: Record<string, unknown> = {}) =>
      ready.steps.map((s: Step) => (s.kind === 'lab' && s.labId === 'neuron' ? { ...s, params: { ...s.params, model, ...extra } } : s));
    const neuronSteps = onModel('mobilenet_v2_1.0_224_quant', { layers: [v2Layer], pick: { kind: 'neuron', layer: v2Layer, channel: 0 } });
    const quantized = (await me(`/api/library/${ready.id}`, { body: { title: ready.title, steps: neuronSteps, revision: ready.revision + 1 } })).body.lesson;
    expect(quantized.problems).toEqual([expect.stringMatching(/MobileNet v2 1\.0 \(224, uint8\) is a quantized model: it gives no usable gradients, and the Neurons to pixels lab needs them/)]);
    expect(await me(`/api/library/${ready.id}/start`, { method: 'POST' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/quantized model/) } });
    expect(await me('/api/sessions', { body: { title: 'Direct', steps: neuronSteps } })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/quantized model/) } });
    // Settings that do not match the model: SqueezeNet's layers kept on MobileNet are refused, naming the layer.
    const stale = onModel('mobilenet_v1_0.75_224');
    const mismatched = (await me(`/api/library/${ready.id}`, { body: { title: ready.title, steps: stale, revision: ready.revision + 2 } })).body.lesson;
    expect(mismatched.problems).toEqual([
      expect.stringMatching(/^Step \d+ \(“.+”\): Layers fire2_concat, fire3_concat, fire4_concat, fire5_concat and 4 more do not exist in MobileNet v1 0\.75 \(224\)\.$/),
      expect.stringMatching(/: Layer fire9_concat does not exist in MobileNet v1 0\.75 \(224\)\.$/),
    ]);
    expect(await me(`/api/library/${ready.id}/start`, { method: 'POST' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/Layer fire9_concat does not exist in MobileNet v1 0\.75/) } });
    expect(await me('/api/sessions', { body: { title: 'Direct', steps: stale } })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/Layer fire9_concat does not exist/) } });
    const fitted = onModel('mobilenet_v1_0.75_224', { layers: ['conv_pw_13_relu'], pick: { kind: 'neuron', layer: 'conv_pw_13_relu', channel: 800 } });
    expect(await me('/api/sessions', { body: { title: 'Direct', steps: fitted } })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/Channel 800 does not exist in conv_pw_13_relu \(channels 0 to 767\)/) } });
    const fine = onModel('mobilenet_v1_0.75_224', { layers: ['conv_pw_13_relu'], pick: { kind: 'neuron', layer: 'conv_pw_13_relu', channel: 7 } });
    expect((await me('/api/sessions', { body: { title: 'Neurons on MobileNet', steps: fine } })).status).toBe(201);
    // The same model is fine where no gradient is taken (occlusion only classifies).
    const occlusionOnQuant = ready.steps.map((s: Step) => (s.kind === 'lab' && s.labId === 'occlusion' ? { ...s, params: { ...s.params, model: 'mobilenet_v2_1.0_224_quant' } } : s));
    expect((await me('/api/sessions', { body: { title: 'Occlusion on uint8', steps: occlusionOnQuant } })).status).toBe(201);
    // The ready-made lesson starts directly too.
    expect((await me('/api/library/ready:how-cnns-see/start', { method: 'POST' })).body.session.title).toBe('How CNNs see');
  });

  it('exports a lesson as one file with its images and imports it elsewhere; shares a copy with a colleague', async () => {
    const ada = as((await signUpInstructor(suite.base, `export-${target.kind}@example.org`)).cookie);
    const bytes = readFileSync(PHOTO);
    const uploader = (await signUpInstructor(suite.base, `up-${target.kind}@example.org`)).cookie;
    const uploaded = await fetch(`${suite.base}/api/images`, { method: 'POST', headers: { 'content-type': 'image/png', cookie: uploader }, body: new Uint8Array(bytes) });
    const image = ((await uploaded.json()) as { image: { hash: string; url: string } }).image;
    // The upload is in its uploader's image library, reusable in any step.
    expect(((await api(suite.base, '/api/images', { cookie: uploader })).body.images as { url: string }[]).map((i) => i.url)).toEqual([image.url]);
    expect((await api(suite.base, '/api/images')).status).toBe(401);
    const id = newId();
    const steps: Step[] = [
      slide('cat', 'A cat', image.url),
      { kind: 'lab', id: 'occ', title: 'Occlusion', markdown: `![cat](${image.url})`, labId: 'occlusion', params: {} },
    ];
    await ada('/api/library', { body: { id, title: 'With pictures', steps } });
    const exported = await ada(`/api/library/${id}/export`);
    expect(exported.status).toBe(200);
    const file = LessonFileSchema.parse(exported.body);
    expect(file.images.map((i) => i.hash)).toEqual([image.hash]);
    expect(Buffer.from(file.images[0]!.base64, 'base64').length).toBeGreaterThan(1000);

    // Imported by a colleague: a new lesson whose images resolve on this server.
    const bob = as((await signUpInstructor(suite.base, `import-${target.kind}@example.org`)).cookie);
    const imported = await bob('/api/library/import', { body: { id: newId(), file } });
    expect(imported.status).toBe(201);
    const lesson = LessonResponseSchema.parse(imported.body).lesson;
    expect(lesson).toMatchObject({ title: 'With pictures', origin: 'Imported from a file' });
    const url = (lesson.steps[0] as { imageUrl: string }).imageUrl;
    expect((await fetch(`${suite.base}${url}`)).status).toBe(200);
    expect(lesson.steps[1]!.markdown).toBe(`![cat](${url})`);
    // A file that is not a lesson, or with a broken image, is refused and adds nothing.
    const count = async () => LibraryResponseSchema.parse((await bob('/api/library')).body).lessons.length;
    const n = await count();
    expect(await bob('/api/library/import', { body: { id: newId(), file: { hello: 1 } } })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/not a ConvLab lesson file/) } });
    const broken = { ...file, images: [{ ...file.images[0]!, base64: Buffer.from('not an image').toString('base64') }] };
    expect(await bob('/api/library/import', { body: { id: newId(), file: broken } })).toMatchObject({ status: 415, body: { message: expect.stringMatching(/An image in the file was refused/) } });
    expect(await count()).toBe(n);

    // Sharing: a copy lands in the colleague's library; later edits of the original do not reach it.
    const shared = await ada(`/api/library/${id}/share`, { body: { email: `import-${target.kind}@example.org`, copyId: newId() } });
    expect(shared).toMatchObject({ status: 201, body: { recipient: 'Teacher' } });
    const theirs = LibraryResponseSchema.parse((await bob('/api/library')).body).lessons.find((l) => l.origin === 'Shared by Teacher');
    expect(theirs).toMatchObject({ title: 'With pictures', stepCount: 2 });
    expect(await ada(`/api/library/${id}/share`, { body: { email: 'nobody@example.org', copyId: newId() } })).toMatchObject({ status: 404, body: { message: expect.stringMatching(/no instructor/) } });
    // The images of a lesson that reached a colleague (imported, or shared) are in their image library, for any step.
    const libraryOf = async (who: typeof ada) => ((await who('/api/images')).body.images as { hash: string }[]).map((i) => i.hash);
    expect(await libraryOf(bob)).toEqual([image.hash]);
    const carol = as((await signUpInstructor(suite.base, `share-${target.kind}@example.org`)).cookie);
    expect(await libraryOf(carol)).toEqual([]);
    await ada(`/api/library/${id}/share`, { body: { email: `share-${target.kind}@example.org`, copyId: newId() } });
    expect(await libraryOf(carol)).toEqual([image.hash]);
  });

  it('deletes a session with everything students did in it, and duplicates one as a new session', async () => {
    const { cookie } = await signUpInstructor(suite.base, `sessions-${target.kind}@example.org`);
    const me = as(cookie);
    const created = await me('/api/sessions', { body: { title: 'To delete', steps: [slide('s', 'S')] } });
    const { id: sessionId, code } = created.body.session as { id: string; code: string };
    const student = connect(suite.base);
    await connected(student);
    expect(await request(student, 'student:join', { code, displayName: 'Grace' })).toMatchObject({ ok: true });

    const dup = await me(`/api/sessions/${sessionId}/duplicate`, { method: 'POST' });
    expect(dup.status).toBe(201);
    expect(dup.body.session).toMatchObject({ title: 'To delete', steps: [slide('s', 'S')], status: 'live' });
    expect(dup.body.session.code).not.toBe(code);

    const other = as((await signUpInstructor(suite.base, `thief-${target.kind}@example.org`)).cookie);
    expect((await other(`/api/sessions/${sessionId}/delete`, { method: 'POST' })).status).toBe(403);
    const ended = new Promise((resolve) => student.on('session:state', (s) => s.status === 'ended' && resolve(s)));
    const deleted = await me(`/api/sessions/${sessionId}/delete`, { method: 'POST' });
    expect(deleted).toMatchObject({ status: 200, body: { deleted: { participants: 1, submissions: 0 } } });
    await ended; // connected students saw it end
    student.close();
    expect((await me(`/api/sessions/${sessionId}`)).status).toBe(404);
    expect((await api(suite.base, `/api/join/${code}`)).status).toBe(404);
    expect((await me('/api/sessions')).body.sessions.map((s: { id: string }) => s.id)).toEqual([dup.body.session.id]);
  });
});
