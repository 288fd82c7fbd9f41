// ESLint rule `convlab/declared-dependencies`: every package a file imports is declared in the package.json nearest to
// it (a workspace package in its own, app/ and server/ in the root one). Node's built-in modules need no declaration.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const BUILTIN = new Set(builtinModules);

/** The package a bare specifier names ('@scope/name/sub' → '@scope/name'); null for relative, aliased or built-in ones. */
export function packageName(specifier) {
  if (/^[./]/.test(specifier) || specifier.startsWith('@/') || specifier.includes(':')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTIN.has(name) ? null : name;
}

const manifests = new Map();
/** The nearest package.json at or above `dir`, parsed (cached per folder). */
function manifestFor(dir) {
  if (manifests.has(dir)) return manifests.get(dir);
  const file = path.join(dir, 'package.json');
  const parent = path.dirname(dir);
  const found = existsSync(file) ? { file, json: JSON.parse(readFileSync(file, 'utf8')) } : parent === dir ? null : manifestFor(parent);
  manifests.set(dir, found);
  return found;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: "imports only packages declared in the nearest package.json's dependencies (devDependencies where allowed)" },
    schema: [{ type: 'object', properties: { devDependencies: { type: 'boolean' } }, additionalProperties: false }],
    messages: { undeclared: "'{{name}}' is imported but {{manifest}} does not declare it in {{fields}}" },
  },
  create(context) {
    const allowDev = context.options[0]?.devDependencies ?? false;
    const manifest = manifestFor(path.dirname(path.resolve(context.physicalFilename)));
    if (!manifest) return {};
    const { json } = manifest;
    const fields = ['dependencies', 'peerDependencies', 'optionalDependencies', ...(allowDev ? ['devDependencies'] : [])];
    const declared = new Set(fields.flatMap((f) => Object.keys(json[f] ?? {})));
    const check = (source, typeOnly = false) => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
      const name = packageName(source.value);
      if (!name || name === json.name || declared.has(name)) return;
      // A type-only import may be served by the DefinitelyTyped package alone.
      if (typeOnly && declared.has(`@types/${name.replace(/^@([^/]+)\//, '$1__')}`)) return;
      const where = path.relative(process.cwd(), manifest.file) || 'package.json';
      context.report({ node: source, messageId: 'undeclared', data: { name, manifest: where, fields: fields.join('/') } });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => check(node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node.source),
      TSImportType: (node) => check(node.argument?.literal ?? node.source, true),
      TSExternalModuleReference: (node) => check(node.expression),
    };
  },
};
