/**
 * The per-package TypeScript configs (run by scripts/typecheck-packages.mjs): they cover every entry point a package
 * exports, and a browser-safe config really rejects Node modules and DOM-only globals while a Node-only one rejects
 * the DOM — checked by compiling a probe file under each config.
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const PACKAGES = path.resolve(__dirname, '../../packages');

// Parsed library and dependency files, shared by every probe (parsing lib.*.d.ts and @types/node again is slow).
const parsedFiles = new Map<string, ts.SourceFile | undefined>();

/** TypeScript's messages for `code` compiled as a file in the package's src/ under the given config. */
function diagnostics(config: string, code: string): string[] {
  const configPath = path.join(PACKAGES, config);
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, path.dirname(configPath));
  const probe = path.join(path.dirname(configPath), 'src', '__probe__.ts');
  const host = ts.createCompilerHost(parsed.options);
  const { getSourceFile, fileExists } = host;
  host.fileExists = (f) => f === probe || fileExists.call(host, f);
  host.getSourceFile = (f, language, ...rest) => {
    if (f === probe) return ts.createSourceFile(f, code, language);
    if (!parsedFiles.has(f)) parsedFiles.set(f, getSourceFile.call(host, f, language, ...rest));
    return parsedFiles.get(f);
  };
  const program = ts.createProgram([probe], parsed.options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const WORKER_SAFE = "setTimeout(() => {}, 0);\nnew TextEncoder();\nvoid fetch('/models/');\ncrypto.getRandomValues(new Uint8Array(4));\nexport {};\n";

describe('per-package TypeScript configs', () => {
  it('check every entry point a package exports: browser-safe ones in tsconfig.json, /node in tsconfig.node.json', () => {
    for (const name of readdirSync(PACKAGES).filter((p) => existsSync(path.join(PACKAGES, p, 'package.json')))) {
      const exports = JSON.parse(readFileSync(path.join(PACKAGES, name, 'package.json'), 'utf8')).exports as Record<string, string>;
      const configFiles = (file: string): string[] => {
        const p = path.join(PACKAGES, name, file);
        if (!existsSync(p)) return [];
        const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(p, ts.sys.readFile).config, ts.sys, path.dirname(p));
        return parsed.fileNames.map((f) => `./${path.relative(path.join(PACKAGES, name), f)}`);
      };
      const checked = new Set([...configFiles('tsconfig.json'), ...configFiles('tsconfig.node.json')]);
      for (const [entry, target] of Object.entries(exports)) {
        if (entry.startsWith('./testing')) continue; // test support, checked with the tests by the root config
        expect(checked.has(target), `@convlab/${name} exports ${entry} (${target}) but no package tsconfig checks it`).toBe(true);
      }
    }
  });

  it.each(['protocol', 'classroom', 'nets', 'vis', 'labs', 'engine'])('%s: the browser-safe config rejects Node modules and the DOM', (name) => {
    const config = `${name}/tsconfig.json`;
    expect(diagnostics(config, "import { readFile } from 'node:fs/promises';\nexport { readFile };\n").join('\n')).toMatch(/Cannot find module 'node:fs\/promises'/);
    expect(diagnostics(config, 'export const t = document.title;\n').join('\n')).toMatch(/Cannot find name 'document'/);
    expect(diagnostics(config, 'export const b = Buffer.from([1]);\n').join('\n')).toMatch(/Cannot find name 'Buffer'/);
    expect(diagnostics(config, WORKER_SAFE)).toEqual([]);
  });

  it.each(['nets/tsconfig.node.json', 'vis/tsconfig.node.json', 'labs/tsconfig.node.json', 'cli/tsconfig.json'])('%s: the Node-only config has Node but no DOM', (config) => {
    expect(diagnostics(config, "import { readFile } from 'node:fs/promises';\nexport { readFile };\n")).toEqual([]);
    expect(diagnostics(config, 'export const t = document.title;\n').join('\n')).toMatch(/Cannot find name 'document'/);
  });
});
