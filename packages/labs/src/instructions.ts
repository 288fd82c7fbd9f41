/**
 * Instructions written from a lab step's parameters: `{{window}}`, `{{fill}}`, `{{class}}` … in a step's Markdown
 * are filled in from its parameters when shown, so the text stays true when the instructor changes them.
 */

/** How placeholders that are not plain values read: class names come from the model's labels. */
export interface InstructionWords {
  /** The name of class `index` ("schooner"); without it a class reads "class 780". */
  className?: (index: number) => string | undefined;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/** Names that are not parameters but read from them. */
const DERIVED = ['class', 'classes', 'image', 'layer'] as const;

function sampleName(image: unknown): string | undefined {
  if (!image || typeof image !== 'object') return undefined;
  const ref = image as { kind?: string; id?: string };
  if (ref.kind === 'upload') return 'your uploaded image';
  if (ref.kind !== 'sample' || typeof ref.id !== 'string') return undefined;
  // imagenet-samples/n04147183_schooner.jpg → "schooner"; photos/skimage_coffee.png → "coffee".
  const file = ref.id.split('/').pop()!.replace(/\.[a-z]+$/i, '');
  return file.replace(/^(n\d{8}|skimage|sklearn|matplotlib)_/, '').replace(/_/g, ' ');
}

/** How an occlusion fill reads in a sentence ("draw blurred rectangles"). */
const FILL_WORDS: Record<string, string> = { grey: 'grey', blur: 'blurred', noise: 'noise', zero: 'black' };

function plain(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return FILL_WORDS[value] ?? value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.map(plain).join(', ');
  return undefined;
}

function className(index: unknown, words: InstructionWords): string | undefined {
  if (typeof index !== 'number') return undefined;
  return words.className?.(index) ?? `class ${index}`;
}

/** What one placeholder reads as, or undefined when the parameters say nothing about it. */
function valueOf(name: string, params: Record<string, unknown>, words: InstructionWords): string | undefined {
  if (name === 'class') return className(params.classIndex, words);
  if (name === 'classes') return Array.isArray(params.classes) ? params.classes.map((c) => className(c, words)).filter(Boolean).join(', ') : undefined;
  if (name === 'image') return sampleName(params.image);
  // The layer searched or pooled, or the layer of the neuron the step starts from.
  if (name === 'layer') return plain(params.layer) ?? plain((params.pick as { layer?: unknown } | undefined)?.layer);
  return plain(params[name]);
}

/** The placeholders in a text that its parameters cannot fill (for the editor to point out), each once. */
export function unknownPlaceholders(markdown: string, params: Record<string, unknown>): string[] {
  const unknown = new Set<string>();
  for (const m of markdown.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!(DERIVED as readonly string[]).includes(name) && !(name in params)) unknown.add(name);
  }
  return [...unknown];
}

/**
 * The Markdown with `{{name}}` replaced from the parameters: any parameter by name (numbers as they are, a fill as
 * "grey"/"blurred"/…, lists joined with commas), `{{class}}` the target class's name, `{{classes}}` all of them,
 * `{{image}}` the photo's name, `{{layer}}` the step's layer (a neuron pick's too). A placeholder the parameters cannot fill is left as written.
 */
export function renderInstructions(markdown: string, params: Record<string, unknown>, words: InstructionWords = {}): string {
  return markdown.replace(PLACEHOLDER, (whole, name: string) => valueOf(name, params, words) ?? whole);
}
