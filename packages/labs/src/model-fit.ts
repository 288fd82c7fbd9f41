/**
 * Settings that match the model. A lab declares which of its parameters depend on the chosen model
 * (`LabDefinition.modelParams`: layers, a layer, a neuron pick, channels, classes); these functions check them
 * against what the model's metadata says (its layers, classes) and, when the model changes, refit them: a layer the
 * new model lacks becomes its default layer, a class it lacks its first class — each change said in words, per
 * parameter, so the editor shows it next to the field and the server refuses a step that does not fit.
 */
import type { LabDefinition } from './lab.types';

/** What labs need to know of a model (the server's model list and @convlab/nets' metadata both fit). */
export interface ModelFacts {
  id?: string;
  displayName: string;
  /** 'quantized' models give no usable gradients. Absent: float. */
  weights?: 'float' | 'quantized';
  numClasses?: number;
  /** The layers labs offer, in network order, with `[height, width, channels]`. Absent: not known, not checked. */
  layers?: readonly { id: string; shape: readonly number[] }[];
  /** The layer labs start on; absent: the last layer. */
  defaultLayer?: string | null;
  /** A model's own class names (an uploaded model's label file); absent: the 1000 ImageNet classes. */
  classNames?: readonly string[];
  /** Its first ordinary convolution (the first-layer filters), null when it has none; absent: not known, not checked. */
  firstConv?: { layer: string } | null;
}

/** Which parameters of a lab depend on its model (each names a top-level parameter). */
export interface ModelParams {
  /** The layers students may choose from, in network order. */
  layers?: string;
  /** One layer (one of `layers` when the lab has both). */
  layer?: string;
  /** A neuron pick: `{ kind: 'neuron' | 'channel', layer, channel }` or `{ kind: 'class', index }`. */
  pick?: string;
  /** Channels of `layer`. */
  channels?: string;
  /** The classes offered, in order. */
  classes?: string;
  /** One class (one of `classes` when the lab has both). */
  classIndex?: string;
  /** `classIndex` may be absent (the model's top class is used then). */
  classOptional?: boolean;
}

/** One parameter that does not fit the model: the problem, and (from a refit) what it was set to. */
export interface ModelFitNote {
  param: string;
  /** "Layer fire9_concat does not exist in MobileNet v1 0.75" — or, for a kept value, "Class 780 (schooner) kept". */
  problem: string;
  /** What the refit did ("set to conv_pw_13_relu"); absent for a kept value. */
  fix?: string;
}

/** Names a class for notes: "780 (schooner)". */
export type ClassNamer = (index: number) => string | undefined;

const IMAGENET_CLASSES = 1000;

function classCount(model: ModelFacts): number {
  return model.classNames?.length ?? IMAGENET_CLASSES;
}

/** Whether two models' class indices mean the same classes (both ImageNet, or the same uploaded model). */
function sameClasses(a: ModelFacts, b: ModelFacts): boolean {
  return !a.classNames && !b.classNames ? true : a.id !== undefined && a.id === b.id;
}

/** The note's sentence: "Layer x does not exist in M: set to y." */
export function modelFitSentence(note: ModelFitNote): string {
  return `${note.problem}${note.fix ? `: ${note.fix}` : ''}.`;
}

const list = (ids: readonly string[], max = 4) => (ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`);

/**
 * Checks (`prev` absent) or refits (`prev`: the model the parameters were made for) a lab's parameters for `model`.
 * Returns the parameters that fit and one note per parameter that changed — or, on a refit to another model, per
 * model-dependent parameter kept ("Class 780 (schooner) kept"). A checked step that fits has no notes.
 */
export function fitParamsToModel(
  lab: Pick<LabDefinition, 'modelParams'>,
  params: Record<string, unknown>,
  model: ModelFacts,
  options: { prev?: ModelFacts; className?: ClassNamer } = {},
): { params: Record<string, unknown>; notes: ModelFitNote[] } {
  const roles = lab.modelParams;
  const out = { ...params };
  const notes: ModelFitNote[] = [];
  if (!roles) return { params: out, notes };
  const { prev } = options;
  const switched = prev !== undefined && prev.id !== model.id;
  const name = model.displayName;
  const className = (i: number) => {
    const words = model.classNames?.[i] ?? options.className?.(i);
    return words ? `${i} (${words})` : String(i);
  };
  const kept = (param: string, problem: string) => {
    if (switched) notes.push({ param, problem });
  };

  // Layers: the list first (a single layer or a pick must be one of it).
  const modelLayers = model.layers;
  let offered: string[] | null = modelLayers ? modelLayers.map((l) => l.id) : null;
  const defaultIn = (allowed: readonly string[]) =>
    (model.defaultLayer && allowed.includes(model.defaultLayer) ? model.defaultLayer : allowed.at(-1)) ?? null;
  if (modelLayers && roles.layers && Array.isArray(out[roles.layers])) {
    const current = (out[roles.layers] as unknown[]).filter((l): l is string => typeof l === 'string');
    const fitting = current.filter((l) => offered!.includes(l));
    const missing = current.filter((l) => !offered!.includes(l));
    if (modelLayers.length === 0) {
      notes.push({ param: roles.layers, problem: `${name} has no layers this lab can show` });
    } else if (fitting.length === 0 || (switched && fitting.length < current.length / 2)) {
      // Another model keeping a scrap of the list (both have a conv1_relu) gets its own whole list instead.
      out[roles.layers] = [...offered!];
      notes.push({
        param: roles.layers,
        problem: current.length ? `${missing.length === 1 ? 'Layer' : 'Layers'} ${list(missing)} ${missing.length === 1 ? 'does' : 'do'} not exist in ${name}` : 'The list of layers is empty',
        fix: `the list is now ${name}’s ${offered!.length} layers`,
      });
    } else if (missing.length) {
      out[roles.layers] = fitting;
      notes.push({ param: roles.layers, problem: `${missing.length === 1 ? 'Layer' : 'Layers'} ${list(missing)} ${missing.length === 1 ? 'does' : 'do'} not exist in ${name}`, fix: `removed, ${fitting.length} kept` });
    } else kept(roles.layers, `Layers kept (all ${fitting.length} exist in ${name})`);
    offered = out[roles.layers] as string[];
  }
  const fitLayer = (param: string, layer: unknown): string | null => {
    if (!offered || offered.length === 0) return typeof layer === 'string' ? layer : null;
    if (typeof layer === 'string' && offered.includes(layer)) {
      kept(param, `Layer ${layer} kept`);
      return layer;
    }
    const next = defaultIn(offered);
    const inModel = typeof layer === 'string' && modelLayers?.some((l) => l.id === layer);
    notes.push({
      param,
      problem: typeof layer !== 'string' || !layer ? 'No layer is chosen' : inModel ? `Layer ${layer} is not in the list of layers` : `Layer ${layer} does not exist in ${name}`,
      fix: `set to ${next}`,
    });
    return next;
  };
  const channelsOf = (layer: string | null) => modelLayers?.find((l) => l.id === layer)?.shape[2];

  if (roles.layer && modelLayers) out[roles.layer] = fitLayer(roles.layer, out[roles.layer]) ?? out[roles.layer];

  if (roles.channels && modelLayers && Array.isArray(out[roles.channels])) {
    const count = channelsOf((roles.layer ? out[roles.layer] : null) as string | null);
    const current = (out[roles.channels] as unknown[]).filter((c): c is number => typeof c === 'number');
    if (count !== undefined) {
      const fitting = current.filter((c) => c < count);
      const dropped = current.filter((c) => c >= count);
      if (dropped.length) {
        out[roles.channels] = fitting.length ? fitting : [0];
        notes.push({
          param: roles.channels,
          problem: `The layer has ${count} channels (0 to ${count - 1}): ${dropped.length === 1 ? 'channel' : 'channels'} ${list(dropped.map(String))} ${dropped.length === 1 ? 'does' : 'do'} not exist`,
          fix: fitting.length ? 'removed' : 'set to channel 0',
        });
      }
    }
  }

  // Classes: kept while the class indices mean the same classes; otherwise the new model's first classes.
  const count = classCount(model);
  const classFits = (i: unknown) => typeof i === 'number' && i < count && (!prev || sameClasses(prev, model));
  const whyNot = (i: number) =>
    prev && !sameClasses(prev, model) ? `${name} has ${model.classNames ? 'its own' : 'the ImageNet'} classes, not those of ${prev.displayName}` : `Class ${className(i)} does not exist in ${name} (classes 0 to ${count - 1})`;

  if (roles.classes && Array.isArray(out[roles.classes])) {
    const current = (out[roles.classes] as unknown[]).filter((c): c is number => typeof c === 'number');
    const fitting = current.filter(classFits);
    if (fitting.length === current.length && current.length) kept(roles.classes, `Classes ${list(current.map(className))} kept`);
    else {
      const next = fitting.length ? fitting : Array.from({ length: Math.min(Math.max(current.length, 1), count) }, (_, i) => i);
      out[roles.classes] = next;
      const gone = current.filter((c) => !fitting.includes(c));
      notes.push({ param: roles.classes, problem: gone.length ? whyNot(gone[0]!) : 'The list of classes is empty', fix: `set to ${list(next.map(className))}` });
    }
  }
  if (roles.classIndex) {
    const current = out[roles.classIndex];
    const allowed = roles.classes && Array.isArray(out[roles.classes]) ? (out[roles.classes] as number[]) : null;
    if (current === undefined && roles.classOptional) {
      // The model's top class: fits any model.
    } else if (classFits(current) && (!allowed || allowed.includes(current as number))) kept(roles.classIndex, `Class ${className(current as number)} kept`);
    else if (roles.classOptional) {
      delete out[roles.classIndex];
      notes.push({ param: roles.classIndex, problem: typeof current === 'number' ? whyNot(current) : 'No class is chosen', fix: 'cleared: students start from the model’s top class' });
    } else {
      const next = allowed?.[0] ?? 0;
      out[roles.classIndex] = next;
      notes.push({ param: roles.classIndex, problem: typeof current === 'number' ? whyNot(current) : 'No class is chosen', fix: `set to ${className(next)}` });
    }
  }

  if (roles.pick && out[roles.pick] && typeof out[roles.pick] === 'object') {
    const pick = { ...(out[roles.pick] as Record<string, unknown>) };
    if (pick.kind === 'class') {
      if (classFits(pick.index)) kept(roles.pick, `Class ${className(pick.index as number)} kept`);
      else {
        notes.push({ param: roles.pick, problem: typeof pick.index === 'number' ? whyNot(pick.index) : 'No class is chosen', fix: `set to ${className(0)}` });
        pick.index = 0;
      }
    } else if (modelLayers) {
      pick.layer = fitLayer(roles.pick, pick.layer) ?? pick.layer;
      const channels = channelsOf(pick.layer as string);
      if (channels !== undefined && typeof pick.channel === 'number' && pick.channel >= channels) {
        notes.push({ param: roles.pick, problem: `Channel ${pick.channel} does not exist in ${pick.layer} (channels 0 to ${channels - 1})`, fix: 'set to channel 0' });
        pick.channel = 0;
      }
      const shape = modelLayers.find((l) => l.id === pick.layer)?.shape;
      if (shape && ((typeof pick.y === 'number' && pick.y >= shape[0]!) || (typeof pick.x === 'number' && pick.x >= shape[1]!))) {
        notes.push({ param: roles.pick, problem: `The position is outside ${pick.layer}’s ${shape[0]}×${shape[1]} map`, fix: 'cleared: the channel’s strongest position' });
        delete pick.y;
        delete pick.x;
      }
    }
    out[roles.pick] = pick;
  }
  return { params: out, notes };
}

/** The problems of a lab's parameters with its model, one sentence each (empty when they fit). For the server's refusal. */
export function modelMismatches(lab: Pick<LabDefinition, 'modelParams'>, params: Record<string, unknown>, model: ModelFacts): string[] {
  return fitParamsToModel(lab, params, model).notes.filter((n) => n.fix !== undefined).map((n) => `${n.problem}.`);
}

/** Where a layer's name stands on its own in text: not inside a longer name (fire9_concat is not in fire9_concat_2). */
function namesLayer(text: string, layer: string): boolean {
  const escaped = layer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`).test(text);
}

/**
 * When a step's model changes: the sentence that warns that its hand-written instructions still name layers of the
 * previous model that `model` lacks ("fire9_concat"), or null when they name none. `{{layer}}` names the step's layer
 * whatever the model, so the sentence suggests it.
 */
export function staleInstructionsNote(markdown: string, prev: Pick<ModelFacts, 'layers'> | undefined, model: Pick<ModelFacts, 'displayName' | 'layers'>): string | null {
  if (!model.layers) return null; // layers not known: nothing to compare with
  const kept = new Set(model.layers.map((l) => l.id));
  const stale = (prev?.layers ?? []).map((l) => l.id).filter((id) => !kept.has(id) && namesLayer(markdown, id));
  if (stale.length === 0) return null;
  return `The instructions still name ${list(stale)}, which ${model.displayName} does not have: reword them, or write {{layer}} and students read the step's layer.`;
}
