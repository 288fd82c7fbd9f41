/**
 * Browsers run under ConvLab's Content-Security-Policy, which forbids eval: there zod parses without its JIT, which
 * also skips zod's `new Function` probe (a caught error, but still reported as a CSP violation). Node keeps the JIT.
 */
import { z } from 'zod';

// A page has a `document`, a Web Worker a `WorkerGlobalScope`; Node has neither (checked on globalThis: this file is browser-safe).
const scope = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
const inBrowser = scope.document !== undefined || scope.WorkerGlobalScope !== undefined;
if (inBrowser) z.config({ jitless: true });
