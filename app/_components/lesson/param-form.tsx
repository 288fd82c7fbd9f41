'use client';

import { paramLabel, type LabDefinition } from '@convlab/labs';
import type { ReactNode } from 'react';
import { numberSpec, paramDefault } from '../../_lib/lab-params';
import type { LessonCatalog } from '../../_lib/use-lesson-catalog';
import { EnumField, NumberField } from './field';

/** What every lab's parameter form receives: the lab, the step's parameters, a setter, errors by parameter. */
export interface ParamFormProps {
  lab: LabDefinition;
  params: Record<string, unknown>;
  /** Sets one top-level parameter (undefined removes it). */
  set: (name: string, value: unknown) => void;
  /** Sets several parameters at once (one change, so none is lost). */
  update: (patch: Record<string, unknown>) => void;
  /** Problems by top-level parameter name (from the lab's schema). */
  errors: Record<string, string>;
  /** What the last change of model did to a parameter, in words ("Layer fire9_concat does not exist in …: set to …"). */
  notes: Record<string, string>;
  catalog: LessonCatalog;
}

/** A number control for a top-level parameter; bounds and default come from the lab's schema, the label from its words. */
export function NumberParam({ form, name, label, hint }: { form: ParamFormProps; name: string; label?: ReactNode; hint?: string }) {
  return (
    <NumberField
      label={label ?? paramLabel(form.lab, name)}
      hint={hint}
      value={form.params[name]}
      spec={numberSpec(form.lab, name)}
      error={form.errors[name]}
      onChange={(v) => form.set(name, v)}
    />
  );
}

/**
 * A select for a top-level enum parameter; its values come from the lab's schema, the label from its words. A value
 * the step leaves out shows as the schema's default, the one students run with.
 */
export function EnumParam({ form, name, label, describe }: { form: ParamFormProps; name: string; label?: ReactNode; describe?: (v: string) => string }) {
  return <EnumField label={label ?? paramLabel(form.lab, name)} source={form.lab} name={name} value={form.params[name] ?? paramDefault(form.lab, name)} error={form.errors[name]} onChange={(v) => form.set(name, v)} describe={describe} />;
}

/** A titled group of controls in a responsive grid. */
export function ParamGroup({ title, children, columns = 2 }: { title: string; children: ReactNode; columns?: 2 | 3 }) {
  return (
    <fieldset className="rounded-xl border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-800">{title}</legend>
      <div className={`grid gap-4 ${columns === 3 ? 'sm:grid-cols-3' : 'sm:grid-cols-2'}`}>{children}</div>
    </fieldset>
  );
}

/** What a change of model did to the field above it: a note in words, announced to screen readers. */
export function FitNote({ text }: { text?: string }) {
  if (!text) return null;
  return (
    <p role="status" className="mt-1 rounded-md border border-amber-200 bg-amber-50 px-2 py-1 text-sm text-amber-900">
      {text}
    </p>
  );
}
