/**
 * The ready-made lesson "How CNNs see", in the lecture's order: convolution (a kernel and its weighted sum, then
 * "make this output"), pooling and its drawbacks, the first-layer filters of the installed ImageNet networks, then
 * the labs with the lecture's examples as presets — occlusion on a schooner, an African elephant and a go-kart;
 * guided backprop on a conv5-like layer; gradient ascent on dumbbell, cup, bell pepper, lemon, strawberry, orange
 * and pineapple. The convolution, pooling and filters labs use a photo the repository carries.
 *
 * Images are referenced by sample id (a path inside the images directory, `CONVLAB_IMAGES_DIR`). ImageNet photos
 * cannot ship with ConvLab, so where they are absent each lab falls back to a photo the repository carries
 * (`assets/photos/`, served under the same `photos/<file>` ids) and its instructions say so. Class indices and
 * names are those of ../shared/labels/imagenet1k_index_wnid_names.tsv (checked by the lesson's test).
 */
import type { LabStep, SlideStep, Step } from '@convlab/protocol';
import type { AscentParamsInput } from '../ascent.lab';
import { CONV_DEFAULT_PHOTO, type ConvolutionParamsInput } from '../convolution.lab';
import type { FiltersParamsInput } from '../filters.lab';
import type { MaxPatchParamsInput } from '../max-patches.lab';
import type { NeuronParamsInput } from '../neuron.lab';
import type { OcclusionParamsInput } from '../occlusion.lab';
import type { PoolingParamsInput } from '../pooling.lab';

/** An ImageNet class as the labels file names it. */
export interface LessonClass {
  index: number;
  wnid: string;
  name: string;
}

/** A lesson photo: its sample id and the class the lab targets. */
export interface LessonPhoto {
  sampleId: string;
  label: LessonClass;
  /** How the instructions name it ("a schooner"). */
  caption: string;
}

const cls = (index: number, wnid: string, name: string): LessonClass => ({ index, wnid, name });

/** The ImageNet classes the lesson uses. */
export const LESSON_CLASSES = {
  schooner: cls(780, 'n04147183', 'schooner'),
  africanElephant: cls(386, 'n02504458', 'African elephant'),
  goKart: cls(573, 'n03444034', 'go-kart'),
  dumbbell: cls(543, 'n03255030', 'dumbbell'),
  cup: cls(968, 'n07930864', 'cup'),
  bellPepper: cls(945, 'n07720875', 'bell pepper'),
  lemon: cls(951, 'n07749582', 'lemon'),
  strawberry: cls(949, 'n07745940', 'strawberry'),
  orange: cls(950, 'n07747607', 'orange'),
  pineapple: cls(953, 'n07753275', 'pineapple'),
  egyptianCat: cls(285, 'n02124075', 'Egyptian cat'),
  espresso: cls(967, 'n07920052', 'espresso'),
  palace: cls(698, 'n03877845', 'palace'),
} as const;

/** The ImageNet sample photo of a class: `imagenet-samples/<wnid>_<name with _ for spaces>.jpg`. */
export function imagenetSampleId(label: LessonClass): string {
  return `imagenet-samples/${label.wnid}_${label.name.replace(/ /g, '_')}.jpg`;
}

const photo = (label: LessonClass, caption: string): LessonPhoto => ({ sampleId: imagenetSampleId(label), label, caption });
const repoPhoto = (file: string, label: LessonClass, caption: string): LessonPhoto => ({ sampleId: `photos/${file}`, label, caption });

/** The lecture's occlusion photos and, for each, the repository photo that replaces it when absent. */
export const OCCLUSION_PHOTOS: ReadonlyArray<{ id: string; lecture: LessonPhoto; fallback: LessonPhoto }> = [
  {
    id: 'occlusion-schooner',
    lecture: photo(LESSON_CLASSES.schooner, 'a schooner'),
    fallback: repoPhoto('sklearn_china.jpg', LESSON_CLASSES.palace, 'a Chinese palace (scikit-learn sample, CC BY 2.0)'),
  },
  {
    id: 'occlusion-elephant',
    lecture: photo(LESSON_CLASSES.africanElephant, 'an African elephant'),
    fallback: repoPhoto('skimage_chelsea.png', LESSON_CLASSES.egyptianCat, 'Chelsea the cat (scikit-image sample, CC0)'),
  },
  {
    id: 'occlusion-go-kart',
    lecture: photo(LESSON_CLASSES.goKart, 'a go-kart'),
    fallback: repoPhoto('skimage_coffee.png', LESSON_CLASSES.espresso, 'a cup of coffee (scikit-image sample, CC0)'),
  },
];

/** The photo of the guided-backprop lab and its fallback. */
export const NEURON_PHOTO = {
  lecture: photo(LESSON_CLASSES.africanElephant, 'an African elephant'),
  fallback: repoPhoto('skimage_chelsea.png', LESSON_CLASSES.egyptianCat, 'Chelsea the cat (scikit-image sample, CC0)'),
};

/** The lecture's gradient-ascent classes, in its order. */
export const ASCENT_CLASSES: readonly LessonClass[] = [
  LESSON_CLASSES.dumbbell,
  LESSON_CLASSES.cup,
  LESSON_CLASSES.bellPepper,
  LESSON_CLASSES.lemon,
  LESSON_CLASSES.strawberry,
  LESSON_CLASSES.orange,
  LESSON_CLASSES.pineapple,
];

/** Models of ../shared/models the labs use: MobileNet for fast forward passes, SqueezeNet 1.1 for gradients. */
export const LESSON_MODELS = { forward: 'mobilenet_v1_0.75_224', gradients: 'squeezenet1.1_nchw' } as const;

/** SqueezeNet 1.1's layers in network order; fire9 (13×13×512, the last before the classifier) plays AlexNet's conv5. */
export const SQUEEZENET_LAYERS = [
  'conv1_relu',
  'fire2_concat',
  'fire3_concat',
  'fire4_concat',
  'fire5_concat',
  'fire6_concat',
  'fire7_concat',
  'fire8_concat',
  'fire9_concat',
] as const;
export const CONV5_LIKE_LAYER = 'fire9_concat';

export interface HowCnnsSeeOptions {
  /** Whether a sample id exists in the images directory; default: every photo is there. */
  hasImage?: (sampleId: string) => boolean;
}

export interface Lesson {
  title: string;
  steps: Step[];
  /** True when at least one lab uses a repository photo instead of the lecture's. */
  usesFallbackPhotos: boolean;
  /** Sample ids the lesson needs (for a check at start-up or a download step). */
  images: string[];
}

const slide = (id: string, title: string, markdown: string): SlideStep => ({ kind: 'slide', id, title, markdown });
const lab = <P,>(id: string, title: string, labId: string, params: P, markdown: string): LabStep => ({ kind: 'lab', id, title, markdown, labId, params: params as LabStep['params'] });

/** The lecture's building blocks as labs: convolution, "make this output", pooling; then the first-layer filters. */
function buildingBlockSteps(): { blocks: LabStep[]; filters: LabStep } {
  const conv: ConvolutionParamsInput = { image: CONV_DEFAULT_PHOTO, size: 64, stride: 1, padding: 1 };
  const pool: PoolingParamsInput = { image: CONV_DEFAULT_PHOTO, model: LESSON_MODELS.gradients, layer: 'conv1_relu', op: 'max', size: 2, stride: 2 };
  const filters: FiltersParamsInput = { models: ['squeezenet1.0_nhwc', LESSON_MODELS.forward, LESSON_MODELS.gradients], image: CONV_DEFAULT_PHOTO };
  return {
    blocks: [
      lab('convolution', 'Convolution: a weighted sum', 'convolution', conv,
        `A kernel of weights slides over the image; each output is the weighted sum of the pixels under it: ` +
          `y[i, j] = Σ_u Σ_v w[u, v] · x[i·S + u, j·S + v]. Try the presets, then click an output pixel to see its sum ` +
          `term by term. Output size for input W, kernel K, padding P, stride S: **(W − K + 2P) / S + 1**.`),
      lab('convolution-challenge', 'Make this output', 'convolution', { ...conv, challenge: true },
        `The server made the target with a kernel it keeps secret. Find a kernel whose output matches it ` +
          `(within 1 % of the target's range) and check it with the server.`),
      lab('pooling', 'Pooling and its drawbacks', 'pooling', pool,
        `**Max pooling** keeps the largest value of each window, average pooling the mean. Shift the input by one pixel: ` +
          `max-pooled outputs jump, average pooling blurs detail away. Watch the receptive field grow with size and ` +
          `stride, then compute a pooled value of your own grid by hand.`),
    ],
    filters: lab('first-layer-filters', 'First-layer filters', 'filters', filters,
      `The first convolution of each network, one tile per filter: SqueezeNet 1.0's 96 filters of 3×7×7 (stride 2) ` +
        `play AlexNet's 64×3×11×11; MobileNet and SqueezeNet 1.1 use 3×3. Compare two models, sort by norm or colour, ` +
        `click a filter to see where the photo excites it, and submit the most telling one with a caption.`),
  };
}

function fallbackNote(missing: LessonPhoto, used: LessonPhoto): string {
  return (
    `\n\n> **Note:** the lecture uses ${missing.caption} (\`${missing.sampleId}\`), which is not in this server's images ` +
    `directory (ImageNet photos are not distributed with ConvLab; set \`CONVLAB_IMAGES_DIR\`). This step uses ` +
    `${used.caption} instead, a photo that ships with ConvLab, with the class *${used.label.name}*.`
  );
}

/** Builds the lesson; with `hasImage`, labs whose lecture photo is absent use a repository photo and say so. */
export function howCnnsSeeLesson(options: HowCnnsSeeOptions = {}): Lesson {
  const has = options.hasImage ?? (() => true);
  let usesFallbackPhotos = false;
  const images = new Set<string>();
  const choose = (pair: { lecture: LessonPhoto; fallback: LessonPhoto }) => {
    const ok = has(pair.lecture.sampleId);
    if (!ok) usesFallbackPhotos = true;
    const chosen = ok ? pair.lecture : pair.fallback;
    images.add(chosen.sampleId);
    return { photo: chosen, note: ok ? '' : fallbackNote(pair.lecture, pair.fallback) };
  };

  const occlusionSteps: LabStep[] = OCCLUSION_PHOTOS.map((pair, i) => {
    const { photo: p, note } = choose(pair);
    const params: OcclusionParamsInput = {
      model: LESSON_MODELS.forward,
      image: { kind: 'sample', id: p.sampleId },
      classIndex: p.label.index,
      fill: 'grey',
      window: 48,
      stride: 16,
      shardSize: 16,
      shardTimeoutSeconds: 20,
    };
    return {
      kind: 'lab',
      id: pair.id,
      title: `Occlusion ${i + 1}/3: ${p.label.name}`,
      markdown:
        // {{…}} are filled in from the step's parameters when shown (renderInstructions), so they follow any change.
        `The network says **{{class}}** for this photo of {{image}}. Which part of the picture is it looking at?\n\n` +
        `Draw {{fill}} rectangles or brush over parts of the image: the probability of *{{class}}* is shown with ` +
        `and without your mask. Find a small mask that makes it drop a lot, then submit it. When everyone is done, ` +
        `we sweep a {{window}}-pixel window over the image together (Zeiler & Fergus, 2014).` +
        note,
      labId: 'occlusion',
      params: params as LabStep['params'],
    };
  });

  // The search runs over the ImageNet samples; a server without them searches the repository's photos.
  const hasSamples = has(imagenetSampleId(LESSON_CLASSES.africanElephant));
  const maxPatchParams: MaxPatchParamsInput = {
    model: LESSON_MODELS.gradients,
    layers: [...SQUEEZENET_LAYERS],
    layer: CONV5_LIKE_LAYER,
    channels: [0, 1, 2, 3, 4, 5],
    images: 'imagenet-samples',
    imageCount: 200,
    shardSize: 10,
    shardTimeoutSeconds: 30,
  };
  const maxPatchStep: LabStep = {
    kind: 'lab',
    id: 'max-patches',
    title: 'Which patches make a neuron fire?',
    markdown:
      `Run many photos through the network and keep, for one channel, the nine image patches that excite it most ` +
      `(Zeiler & Fergus, 2014). Each laptop searches a few photos; the server checks and merges. Start with ` +
      `**{{layer}}** (a late layer: large receptive fields, like AlexNet's conv5), then try an early layer: edges and colours become parts.` +
      (hasSamples ? '' : `\n\n> **Note:** the ImageNet samples are not on this server (set \`CONVLAB_IMAGES_DIR\`); the search uses the photos that ship with ConvLab.`),
    labId: 'max-patches',
    params: maxPatchParams as LabStep['params'],
  };

  const neuron = choose(NEURON_PHOTO);
  const neuronParams: NeuronParamsInput = {
    model: LESSON_MODELS.gradients,
    image: { kind: 'sample', id: neuron.photo.sampleId },
    layers: [...SQUEEZENET_LAYERS],
    pick: { kind: 'neuron', layer: CONV5_LIKE_LAYER, channel: 0 },
    methods: ['vanilla', 'guided', 'deconvnet'],
    topChannels: 16,
  };
  const neuronStep: LabStep = {
    kind: 'lab',
    id: 'guided-backprop',
    title: 'From a neuron back to the pixels',
    markdown:
      `Pick a channel of **{{layer}}**, a late layer of the network (in SqueezeNet, its last 13×13 layer plays the role of AlexNet's conv5), ` +
      `and a position on its activation map. The three images show which pixels change that neuron the most: the plain ` +
      `gradient, guided backprop (Springenberg et al., 2015) and the deconvnet (Zeiler & Fergus, 2014). Compare with ` +
      `an early layer. Submit the neuron you find most interesting with a one-line caption: what does it respond to?` +
      neuron.note,
    labId: 'neuron',
    params: neuronParams as LabStep['params'],
  };

  const ascentParams: AscentParamsInput = {
    model: LESSON_MODELS.gradients,
    classes: ASCENT_CLASSES.map((c) => c.index),
    classIndex: LESSON_CLASSES.dumbbell.index,
    lambda: 0.001,
    // Measured on SqueezeNet 1.1: 40 steps of size 10 with jitter and a light blur show the class's parts.
    learningRate: 10,
    steps: 40,
    decay: 0,
    blurEvery: 10,
    blurWidth: 0.5,
    jitter: 8,
    sweep: { from: 0.0001, to: 0.1, count: 6, scale: 'log' },
  };
  const ascentStep: LabStep = {
    kind: 'lab',
    id: 'gradient-ascent',
    title: 'What does the network think a dumbbell looks like?',
    markdown:
      `Start from a grey image and follow the gradient of one class score: I* = argmax_I S_c(I) − λ‖I‖² ` +
      `(Simonyan et al., 2014). Classes: {{classes}}. ` +
      `Try the presets, then change λ: too small gives noise, too large gives grey. Submit your best image.`,
    labId: 'ascent',
    params: ascentParams as LabStep['params'],
  };

  const blocks = buildingBlockSteps();
  images.add(CONV_DEFAULT_PHOTO.id);
  const steps: Step[] = [
    slide(
      'welcome',
      'How CNNs see',
      `Today we open up image classifiers trained on ImageNet (1,000 classes) and ask **what they look at**.\n\n` +
        `1. Convolution and pooling — the two building blocks\n2. First-layer filters of ImageNet networks\n` +
        `3. Occlusion — hide parts of a photo\n4. From a neuron back to the pixels — gradients, guided backprop, deconvnet\n` +
        `5. Gradient ascent — images a class "wants"\n\n` +
        `You compute on your own laptop; when it cannot, the server helps.`,
    ),
    ...blocks.blocks,
    slide(
      'classifiers',
      'ImageNet classifiers',
      `The networks in today's labs were trained to sort 1.2 million photos into 1,000 classes. ` +
        `We use **MobileNet v1** (fast, for forward passes) and **SqueezeNet 1.1** (plain convolutions, for gradients).\n\n` +
        `A classifier ends in a score per class; softmax turns the scores into probabilities. ` +
        `In the next labs we poke the input and watch those numbers move.`,
    ),
    blocks.filters,
    maxPatchStep,
    ...occlusionSteps,
    neuronStep,
    ascentStep,
    slide(
      'wrap-up',
      'What we saw',
      `- **Occlusion** shows which regions a prediction depends on — measured, not guessed.\n` +
        `- **Gradients** show which pixels would change a neuron most; guided backprop gives the sharpest pictures, but ` +
        `partly because it ignores what the layers above do.\n` +
        `- **Gradient ascent** shows what a class score rewards; the regularizer (λ, blur, jitter) decides how natural it looks.\n\n` +
        `Each method answers a different question. None of them is *the* explanation.`,
    ),
  ];
  return { title: 'How CNNs see', steps, usesFallbackPhotos, images: [...images] };
}
