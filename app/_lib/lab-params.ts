/**
 * What a lab's parameter schema says about one parameter, read from the zod schema itself so the editor's
 * controls never restate a bound (the lab definition in `@convlab/labs` stays the single source of truth).
 */
import type { LabDefinition } from '@convlab/labs';

/** Bounds of a numeric parameter: min/max (inclusive unless marked exclusive), whole numbers or not, its default. */
export interface NumberSpec {
  min?: number;
  max?: number;
  minExclusive: boolean;
  maxExclusive: boolean;
  int: boolean;
  defaultValue?: number;
}

interface ZodLike {
  def: {
    type: string;
    innerType?: ZodLike;
    defaultValue?: unknown;
    checks?: Array<{ _zod: { def: { check: string; value?: unknown; inclusive?: boolean; minimum?: number; maximum?: number } } }>;
  };
  shape?: Record<string, ZodLike>;
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
}

/** A lab (its parameter schema) or any zod object schema, e.g. a nested one such as the λ sweep. */
export type ParamSource = LabDefinition | { shape: unknown };

/** The schema of parameter `name` (undefined when there is no such parameter). */
function paramSchema(source: ParamSource, name: string): ZodLike | undefined {
  const schema = ('params' in source ? source.params : source) as unknown as ZodLike;
  return schema.shape?.[name];
}

/** Unwraps default/optional wrappers, collecting the default value on the way. */
function unwrap(schema: ZodLike): { inner: ZodLike; defaultValue?: unknown } {
  let inner = schema;
  let defaultValue: unknown;
  while (inner.def.innerType) {
    if (inner.def.type === 'default' && defaultValue === undefined) defaultValue = inner.def.defaultValue;
    inner = inner.def.innerType;
  }
  return { inner, defaultValue };
}

/** The bounds of a numeric parameter (an empty spec for anything else). */
export function numberSpec(source: ParamSource, name: string): NumberSpec {
  const schema = paramSchema(source, name);
  const none: NumberSpec = { minExclusive: false, maxExclusive: false, int: false };
  if (!schema) return none;
  const { inner, defaultValue } = unwrap(schema);
  if (inner.def.type !== 'number') return none;
  const exclusive = (check: string) => inner.def.checks?.some((c) => c._zod.def.check === check && c._zod.def.inclusive === false) ?? false;
  const finite = (v: number | null | undefined) => (v !== null && v !== undefined && Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined);
  return {
    min: finite(inner.minValue),
    max: finite(inner.maxValue),
    minExclusive: exclusive('greater_than'),
    maxExclusive: exclusive('less_than'),
    int: Boolean(inner.isInt),
    defaultValue: typeof defaultValue === 'number' ? defaultValue : undefined,
  };
}

/** The allowed values of an enum parameter, e.g. occlusion's `fill` (empty for anything else). */
export function enumValues(source: ParamSource, name: string): string[] {
  const schema = paramSchema(source, name);
  if (!schema) return [];
  const { inner } = unwrap(schema);
  const entries = (inner.def as { entries?: Record<string, string> }).entries;
  return inner.def.type === 'enum' && entries ? Object.values(entries) : [];
}

/** The length bounds of a list parameter, e.g. the filters lab's `models` (an empty spec for anything else). */
export function listSpec(source: ParamSource, name: string): { min?: number; max?: number } {
  const schema = paramSchema(source, name);
  if (!schema) return {};
  const { inner } = unwrap(schema);
  if (inner.def.type !== 'array') return {};
  const bound = (check: string, key: 'minimum' | 'maximum') => inner.def.checks?.find((c) => c._zod.def.check === check)?._zod.def[key];
  return { min: bound('min_length', 'minimum'), max: bound('max_length', 'maximum') };
}

/** What parameter `name` is when a step leaves it out: its schema's default (undefined when it has none). */
export function paramDefault(source: ParamSource, name: string): unknown {
  const schema = paramSchema(source, name) as unknown as { safeParse?: (v: unknown) => { success: boolean; data?: unknown } } | undefined;
  const parsed = schema?.safeParse?.(undefined);
  return parsed?.success ? parsed.data : undefined;
}

/** A short hint for a number field: "2–1024, whole numbers, default 48" or "more than 0, at most 10000, default 0.05". */
export function describeNumberSpec(spec: NumberSpec): string {
  const low = spec.min === undefined ? '' : `${spec.minExclusive ? 'more than' : 'at least'} ${spec.min}`;
  const high = spec.max === undefined ? '' : `${spec.maxExclusive ? 'less than' : 'at most'} ${spec.max}`;
  const range = low && high && !spec.minExclusive && !spec.maxExclusive ? `${spec.min}–${spec.max}` : [low, high].filter(Boolean).join(', ');
  return [range, spec.int ? 'whole numbers' : '', spec.defaultValue !== undefined ? `default ${spec.defaultValue}` : ''].filter(Boolean).join(', ');
}
