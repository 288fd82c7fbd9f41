// ESLint guards the boundaries between the parts of ConvLab (style is left to review):
// - app/ and packages/ never import from server/ (and packages/ never from app/);
// - the browser-safe entry points of the packages (everything but their Node-only files below) import no Node module,
//   no Node-only file of their own package and no other package's `/node` or `/testing` entry, and use no DOM-only
//   globals: the server's worker threads and the browser's compute worker run them alike;
// - every file imports only packages its nearest package.json declares (convlab/declared-dependencies).
// The per-package TypeScript configs (packages/*/tsconfig*.json, scripts/typecheck-packages.mjs) check the same
// boundaries through everything an entry point imports.
import { builtinModules } from 'node:module';
import tsParser from '@typescript-eslint/parser';
import declaredDependencies from './scripts/eslint/declared-dependencies.mjs';

/** Packages whose main entry runs in browsers (and their Web Workers) as well as in Node. */
const BROWSER_SAFE = ['protocol', 'classroom', 'nets', 'vis', 'labs', 'engine'];

/** Their Node-only (or test-only) files, reached through the `/node` and `/testing` entry points only. */
const NODE_ONLY = {
  protocol: [],
  classroom: ['src/store.contract.ts', 'src/job-results.contract.ts', 'src/live-state.contract.ts'],
  nets: [
    'src/node.ts',
    'src/store/model-store-node.ts',
    'src/store/load-model-node.ts',
    'src/store/http.ts',
    'src/store/generate-manifest.ts',
    'src/store/generate-layers.ts',
    'src/importers/tflite-schema/generate-tflite-schema.ts',
    'src/testing/**',
  ],
  vis: ['src/node.ts', 'src/image-files.ts', 'src/cli-support.ts', 'src/test-backend.ts'],
  labs: ['src/node.ts'],
  engine: [],
};

/** Files that may import devDependencies: tests, test support, benchmarks, build and dev scripts, tool configs. */
const DEV_FILES = [
  '**/*.test.ts',
  '**/*.test.tsx',
  'tests/**',
  'bench/**',
  'scripts/test.mjs',
  'scripts/eslint/**',
  'prisma/*.mjs',
  '**/*.config.{ts,mjs}',
  'packages/*/src/testing/**',
  'packages/*/src/**/*.contract.ts',
  'packages/vis/src/test-backend.ts',
  'packages/nets/src/**/generate-*.ts',
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const NODE_BUILTINS = builtinModules.filter((m) => !m.startsWith('_'));
const nodeModuleMessage = 'Browser-safe code imports no Node module: put Node-only code behind the package\'s /node entry point.';

/** no-restricted-imports groups shared by the rule sets below. */
const NOT_SERVER = {
  regex: '^(\\.{1,2}/)+server(/|$)|^@/server(/|$)',
  message: 'app/ and packages/ never import from server/: move what both need into a package (e.g. @convlab/engine).',
};
const NOT_APP = { regex: '^(\\.{1,2}/)+app(/|$)|^@/app(/|$)', message: 'packages/ never import from app/.' };

/** The restrictions of one browser-safe package: Node modules, Node-only entries and its own Node-only files. */
function browserSafeImports(pkg) {
  const ownNodeOnly = NODE_ONLY[pkg].map((f) => {
    const dir = f.match(/([^/]+)\/\*\*$/);
    const name = dir ? `${escape(dir[1])}(/|$)` : `${escape(f.split('/').pop().replace(/\.ts$/, ''))}(\\.ts)?$`;
    return { regex: `^\\.{1,2}/(.*/)?${name}`, message: `${f} of @convlab/${pkg} is Node-only (reached through its /node or /testing entry).` };
  });
  return [
    'error',
    {
      paths: [
        ...NODE_BUILTINS.map((name) => ({ name, message: nodeModuleMessage })),
        ...['sharp', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'vitest'].map((name) => ({
          name,
          message: `${name} is Node-only (or test-only): browser-safe code does not import it.`,
        })),
      ],
      patterns: [
        { regex: '^node:', message: nodeModuleMessage },
        { regex: '^@convlab/[^/]+/(node|testing)(/|$)', message: 'Browser-safe code imports no /node or /testing entry point.' },
        ...ownNodeOnly,
        NOT_SERVER,
        NOT_APP,
      ],
    },
  ];
}

const DYNAMIC_NODE_IMPORT = {
  selector: `ImportExpression > Literal[value=/^(node:|(${NODE_BUILTINS.filter((m) => !m.includes("/")).map(escape).join('|')})(\\u002F|$))/]`,
  message: nodeModuleMessage,
};
const DOM_GLOBALS = ['window', 'document', 'localStorage', 'sessionStorage'].map((name) => ({
  name,
  message: `${name} exists only on a browser page; browser-safe code also runs in Web Workers and Node.`,
}));

export default [
  {
    ignores: [
      '**/node_modules/**',
      '.next/**',
      'data/**',
      'artifacts/**',
      'test-results/**',
      'playwright-report/**',
      'bench/results/**',
      '.bench-out/**',
      'server/db/generated/**',
      'packages/nets/src/importers/tflite-schema/generated/**',
      'next-env.d.ts',
    ],
  },
  {
    files: ['**/*.{ts,tsx,mts,cts,js,mjs,cjs}'],
    languageOptions: { parser: tsParser, ecmaVersion: 'latest', sourceType: 'module' },
    // The boundaries hold without exceptions: inline eslint-disable comments are ignored.
    linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
    plugins: { convlab: { rules: { 'declared-dependencies': declaredDependencies } } },
    rules: { 'convlab/declared-dependencies': 'error' },
  },
  { files: DEV_FILES, rules: { 'convlab/declared-dependencies': ['error', { devDependencies: true }] } },
  { files: ['app/**'], rules: { 'no-restricted-imports': ['error', { patterns: [NOT_SERVER] }] } },
  { files: ['packages/**'], rules: { 'no-restricted-imports': ['error', { patterns: [NOT_SERVER, NOT_APP] }] } },
  ...BROWSER_SAFE.map((pkg) => ({
    files: [`packages/${pkg}/src/**/*.{ts,tsx}`],
    ignores: ['**/*.test.ts', ...NODE_ONLY[pkg].map((f) => `packages/${pkg}/${f}`)],
    rules: {
      'no-restricted-imports': browserSafeImports(pkg),
      'no-restricted-syntax': ['error', DYNAMIC_NODE_IMPORT],
      'no-restricted-globals': ['error', ...DOM_GLOBALS],
    },
  })),
];
