import { describe, expect, it } from 'vitest';
import { renderInstructions, unknownPlaceholders } from './instructions';
import { howCnnsSeeLesson } from './lessons/how-cnns-see';

const names: Record<number, string> = { 780: 'schooner', 386: 'African elephant', 543: 'dumbbell', 968: 'cup' };
const words = { className: (i: number) => names[i] };

describe('instructions written from parameters', () => {
  it('fills parameters, the class, the classes and the photo, and follows a change of any of them', () => {
    const text = 'Draw {{fill}} masks on the {{image}}: *{{class}}*, a {{window}}-pixel window, stride {{ stride }}.';
    const params = { fill: 'grey', window: 48, stride: 16, classIndex: 780, image: { kind: 'sample', id: 'imagenet-samples/n04147183_schooner.jpg' } };
    expect(renderInstructions(text, params, words)).toBe('Draw grey masks on the schooner: *schooner*, a 48-pixel window, stride 16.');
    const changed = { ...params, fill: 'blur', window: 64, classIndex: 386, image: { kind: 'sample', id: 'photos/skimage_coffee.png' } };
    expect(renderInstructions(text, changed, words)).toBe('Draw blurred masks on the coffee: *African elephant*, a 64-pixel window, stride 16.');
    expect(renderInstructions('Classes: {{classes}}.', { classes: [543, 968, 5] }, words)).toBe('Classes: dumbbell, cup, class 5.');
    expect(renderInstructions('{{image}}', { image: { kind: 'upload', sha256: 'a'.repeat(64) } })).toBe('your uploaded image');
    // {{layer}}: the layer searched or pooled, or the one a neuron pick starts in (it follows a change of model).
    expect(renderInstructions('Look at {{layer}}.', { layer: 'fire9_concat' })).toBe('Look at fire9_concat.');
    expect(renderInstructions('Look at {{layer}}.', { pick: { kind: 'neuron', layer: 'conv_pw_13_relu', channel: 3 } })).toBe('Look at conv_pw_13_relu.');
    expect(unknownPlaceholders('{{layer}}', { pick: { kind: 'class', index: 1 } })).toEqual([]);
    expect(renderInstructions('{{class}}', { classIndex: 780 })).toBe('class 780');
  });

  it('leaves what it cannot fill as written, and names it for the editor', () => {
    expect(renderInstructions('{{class}} and {{colour}} and {{pick}}', { pick: { kind: 'neuron' } })).toBe('{{class}} and {{colour}} and {{pick}}');
    expect(unknownPlaceholders('{{window}} {{colour}} {{colour}} {{class}} {{image}}', { window: 2 })).toEqual(['colour']);
  });

  it('the ready-made lesson writes its occlusion text from the step: no fixed "grey", "48" or "schooner"', () => {
    const step = howCnnsSeeLesson().steps.find((s) => s.kind === 'lab' && s.labId === 'occlusion')!;
    if (step.kind !== 'lab') throw new Error('not a lab');
    expect(step.markdown).not.toMatch(/grey|48|schooner/);
    const shown = renderInstructions(step.markdown, { ...step.params, fill: 'noise', window: 32 }, words);
    expect(shown).toMatch(/Draw noise rectangles/);
    expect(shown).toMatch(/a 32-pixel window/);
    expect(shown).toMatch(/\*\*schooner\*\* for this photo of schooner/);
    expect(unknownPlaceholders(step.markdown, step.params)).toEqual([]);
  });
});
