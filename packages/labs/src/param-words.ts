/**
 * Lab parameters in words for people: their names ("window", not `window`; "target class", not `classIndex`) and
 * what is wrong with a value ("The window must be at least 2 pixels.", not "Too small: expected number to be >=2").
 * Names and units come from the lab definition's `paramWords`; a parameter without them reads as its code name split
 * into words, so a new lab is readable before anyone writes them.
 */
import type { z } from 'zod';
import type { LabDefinition, ParamWords } from './lab.types';
import type { ModelFacts } from './model-fit';

/** `shardTimeoutSeconds` → "shard timeout seconds". */
function codeNameInWords(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
}

/** How parameter `name` of `lab` reads. */
export function paramWords(lab: Pick<LabDefinition, 'paramWords'>, name: string): ParamWords {
  return (lab.paramWords as Record<string, ParamWords | undefined> | undefined)?.[name] ?? { name: codeNameInWords(name) };
}

/** The parameter's name as a label ("Target class"). */
export function paramLabel(lab: Pick<LabDefinition, 'paramWords'>, name: string): string {
  const { name: words } = paramWords(lab, name);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function withUnit(value: number | bigint, unit: string | undefined): string {
  if (!unit) return String(value);
  return `${value} ${Number(value) === 1 ? unit.replace(/s$/, '') : unit}`;
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?)]$/.test(text) ? '' : '.');

/** One problem of a lab's parameters (a zod issue of its schema), as a sentence about the parameter it concerns. */
export function describeParamIssue(lab: Pick<LabDefinition, 'paramWords'>, issue: z.core.$ZodIssue): string {
  const [top, ...rest] = issue.path.map(String);
  if (top === undefined) {
    if (issue.code === 'unrecognized_keys') return `This lab has no setting ${issue.keys.map((k) => `“${k}”`).join(', ')}.`;
    return sentence(issue.message);
  }
  const words = paramWords(lab, top);
  // A nested field ("sweep.count") reads as "the λ sweep's count".
  const subject = `the ${words.name}${rest.length ? `’s ${rest.filter((p) => !/^\d+$/.test(p)).map(codeNameInWords).join(' ') || 'entry'}` : ''}`;
  const unit = rest.length ? undefined : words.unit;
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'set') return sentence(`${subject} needs at least ${issue.minimum} ${Number(issue.minimum) === 1 ? 'entry' : 'entries'}`);
      if (issue.origin === 'string') return sentence(`${subject} needs at least ${issue.minimum} characters`);
      return sentence(`${subject} must be ${issue.inclusive ? 'at least' : 'more than'} ${withUnit(issue.minimum, unit)}`);
    case 'too_big':
      if (issue.origin === 'array' || issue.origin === 'set') return sentence(`${subject} has at most ${issue.maximum} ${Number(issue.maximum) === 1 ? 'entry' : 'entries'}`);
      if (issue.origin === 'string') return sentence(`${subject} has at most ${issue.maximum} characters`);
      return sentence(`${subject} must be ${issue.inclusive ? 'at most' : 'less than'} ${withUnit(issue.maximum, unit)}`);
    case 'invalid_type':
      if (issue.expected === 'int') return sentence(`${subject} must be a whole number`);
      // zod leaves the input out of issues; its own message says what it received.
      if (/received undefined/.test(issue.message)) return sentence(`${subject} is missing: give it a value`);
      return sentence(`${subject} must be ${issue.expected === 'number' ? 'a number' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`);
    case 'invalid_value':
      return sentence(`${subject} must be one of: ${issue.values.map(String).join(', ')}`);
    case 'not_multiple_of':
      return sentence(`${subject} must be a multiple of ${issue.divisor}`);
    case 'unrecognized_keys':
      return sentence(`${subject} has no field ${issue.keys.map((k) => `“${k}”`).join(', ')}`);
    default:
      // A lab's own rule (a refinement) already speaks in words; say which parameter it is about.
      return sentence(/^the /i.test(issue.message) ? issue.message : `${subject}: ${issue.message}`);
  }
}

/** Why `model` cannot serve `lab`: a few words for a list of models and the whole sentence; null when it can. */
export function modelMisfit(lab: Pick<LabDefinition, 'title' | 'needsGradients' | 'needsFirstConv'>, model: ModelFacts): { words: string; message: string } | null {
  if (lab.needsGradients && model.weights === 'quantized') {
    return { words: 'quantized, no gradients', message: `${model.displayName} is a quantized model: it gives no usable gradients, and the ${lab.title} lab needs them. Choose a float model.` };
  }
  if (lab.needsFirstConv && model.firstConv === null) {
    return { words: 'no first-layer convolution', message: `${model.displayName} has no ordinary convolution reading the image, so it has no first-layer filters to show. Choose another model.` };
  }
  return null;
}

/** Why `model` cannot serve `lab`, in words, or null when it can. */
export function modelUnsuitability(lab: Pick<LabDefinition, 'title' | 'needsGradients' | 'needsFirstConv'>, model: ModelFacts): string | null {
  return modelMisfit(lab, model)?.message ?? null;
}
