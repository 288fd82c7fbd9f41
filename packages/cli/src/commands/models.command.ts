/** `convlab models [--json]`: the built-in models and where each is available locally. */
import { BUILTIN_MODELS } from '@convlab/nets';
import { CliError, defineCommand } from '../command.types';
import { getStoredModel } from '@convlab/nets';
import { locateModel, resolveModel } from '@convlab/nets/node';

export default defineCommand({
  name: 'models',
  summary: 'list the built-in models and whether their files are available locally',
  order: 10,
  configure: (cmd) => cmd
    .option('--json', 'print JSON')
    .option('--verify', 'check the sha256 of every local file (slower; never downloads)'),
  async run(opts, ctx) {
    const rows = [];
    for (const entry of BUILTIN_MODELS) {
      const stored = getStoredModel(entry.meta.id);
      const where = await locateModel(entry.meta.id, ctx.storeOptions);
      let verified: string | null = null;
      if (opts.verify && where) {
        try {
          await resolveModel(entry.meta.id, { ...ctx.storeOptions, download: false });
          verified = 'ok';
        } catch (e) {
          verified = (e as Error).message;
        }
      }
      rows.push({
        id: entry.meta.id,
        displayName: entry.meta.displayName,
        family: entry.meta.family,
        format: entry.format,
        inputSize: entry.meta.inputSize,
        numClasses: entry.meta.numClasses,
        outputKind: entry.meta.outputKind,
        backgroundClass: entry.meta.backgroundClass,
        referenceTop1: entry.referenceTop1 ?? null,
        licence: entry.meta.licence,
        source: entry.meta.source,
        download: stored.home,
        files: stored.files.length,
        bytes: stored.totalBytes,
        available: where !== null,
        location: where?.kind ?? null,
        dir: where?.dir ?? null,
        ...(opts.verify ? { verified } : {}),
      });
    }
    if (opts.json) {
      ctx.out.json(rows);
      return;
    }
    ctx.out.table(
      ['id', 'format', 'input', 'classes', 'output', 'MB', 'top-1/100', 'local'],
      rows.map((r) => [
        r.id, r.format, `${r.inputSize[0]}x${r.inputSize[1]}`, r.numClasses, r.outputKind,
        Math.round(r.bytes / 1e5) / 10, r.referenceTop1 ?? '-',
        (r.location ? `${r.location} (${r.dir})` : 'no (downloads on first use)') +
          (r.verified === undefined || r.verified === null ? '' : r.verified === 'ok' ? ', sha256 ok' : ', DAMAGED'),
      ]),
    );
    const damaged = rows.filter((r) => r.verified && r.verified !== 'ok');
    if (damaged.length) throw new CliError(damaged.map((r) => r.verified).join('\n'));
  },
});
