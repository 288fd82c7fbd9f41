/**
 * The edge check of every untrusted JSON value (socket payloads, HTTP bodies), before any schema sees it: nesting
 * depth and node count are bounded, walked without recursion (a 100 000-deep array cannot overflow the stack);
 * strings must be well-formed UTF-16 (a lone surrogate is refused) and come back in Unicode NFC.
 */
import { ProtocolError } from './errors';

export const PAYLOAD_LIMITS = {
  /** Objects and arrays nested deeper than this are refused. */
  maxDepth: 32,
  /** Values (objects, arrays, strings, numbers, …) in one payload. */
  maxNodes: 200_000,
} as const;

export interface PayloadLimits {
  maxDepth?: number;
  maxNodes?: number;
}

/** True for binary members (Buffers, ArrayBuffers, typed arrays), which pass as they are. */
function isBinary(value: unknown): boolean {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** A string made well-formed-checked and NFC-normalized; throws BAD_REQUEST for a lone surrogate. */
function cleanString(s: string, path: string): string {
  // String#isWellFormed exists from Node 20 / current browsers; the regex is the fallback.
  const wellFormed =
    typeof (s as { isWellFormed?: () => boolean }).isWellFormed === 'function'
      ? (s as unknown as { isWellFormed(): boolean }).isWellFormed()
      : !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
  if (!wellFormed) throw new ProtocolError('BAD_REQUEST', `${path || 'the payload'} contains a lone surrogate (not valid Unicode text)`);
  return s.normalize('NFC');
}

/**
 * Checks an untrusted value and returns it with every string (object keys included) in NFC. Throws a
 * ProtocolError BAD_REQUEST naming the first problem: too deep, too many values, a lone surrogate.
 */
export function guardPayload<T>(value: T, limits: PayloadLimits = {}): T {
  const maxDepth = limits.maxDepth ?? PAYLOAD_LIMITS.maxDepth;
  const maxNodes = limits.maxNodes ?? PAYLOAD_LIMITS.maxNodes;
  if (typeof value === 'string') return cleanString(value, '') as T;
  if (value === null || typeof value !== 'object' || isBinary(value)) return value;
  let nodes = 0;
  // Each entry: a container to rewrite in place (arrays) or copy (objects, so keys can be normalized), its depth.
  const root: { value: unknown } = { value };
  const stack: Array<{ holder: Record<string, unknown> | unknown[]; key: string | number; depth: number; path: string }> = [
    { holder: root as unknown as Record<string, unknown>, key: 'value', depth: 0, path: '' },
  ];
  while (stack.length) {
    const { holder, key, depth, path } = stack.pop()!;
    const current = (holder as Record<string | number, unknown>)[key];
    if (++nodes > maxNodes) throw new ProtocolError('BAD_REQUEST', `the payload has more than ${maxNodes} values`);
    if (typeof current === 'string') {
      (holder as Record<string | number, unknown>)[key] = cleanString(current, path);
      continue;
    }
    if (current === null || typeof current !== 'object' || isBinary(current)) continue;
    if (depth + 1 > maxDepth) throw new ProtocolError('BAD_REQUEST', `the payload is nested deeper than ${maxDepth} levels`);
    if (Array.isArray(current)) {
      const copy = current.slice();
      (holder as Record<string | number, unknown>)[key] = copy;
      for (let i = 0; i < copy.length; i++) stack.push({ holder: copy, key: i, depth: depth + 1, path: `${path}[${i}]` });
      continue;
    }
    const proto = Object.getPrototypeOf(current);
    if (proto !== Object.prototype && proto !== null) continue; // class instances (Dates, …) are the schema's business
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(current as Record<string, unknown>)) {
      const name = cleanString(k, path);
      // defineProperty: a "__proto__" key stays a plain key (the strict schemas then refuse it).
      Object.defineProperty(copy, name, { value: v, enumerable: true, writable: true, configurable: true });
      stack.push({ holder: copy, key: name, depth: depth + 1, path: path ? `${path}.${name}` : name });
    }
    (holder as Record<string | number, unknown>)[key] = copy;
  }
  return root.value as T;
}

/**
 * The nesting depth of JSON text, found by scanning it (strings skipped) before it is parsed: a body nested
 * deeper than `maxDepth` is refused without building it.
 */
export function jsonTextTooDeep(text: string, maxDepth: number = PAYLOAD_LIMITS.maxDepth): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
