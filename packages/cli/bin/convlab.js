#!/usr/bin/env node
// The `convlab` command. The sources are TypeScript; tsx's loader compiles them on the fly, so the command works
// straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
