/**
 * Browsers run under ConvLab's Content-Security-Policy, which forbids eval: there zod parses without its JIT, which
 * also skips zod's `new Function` probe (a caught error, but still reported as a CSP violation). Node keeps the JIT.
 */
import { z } from 'zod';

const inBrowser = typeof window !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
if (inBrowser) z.config({ jitless: true });
