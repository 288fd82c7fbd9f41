import type { ComponentType } from 'react';
import { AscentForm } from './ascent-form';
import { ConvolutionForm } from './convolution-form';
import { FiltersForm } from './filters-form';
import { MaxPatchesForm } from './max-patches-form';
import { NeuronForm } from './neuron-form';
import { OcclusionForm } from './occlusion-form';
import type { ParamFormProps } from './param-form';
import { PoolingForm } from './pooling-form';

/**
 * Each lab's parameter form, by lab id. Every lab of `@convlab/labs` has one (param-forms.test.ts holds the editor to
 * that); the editor's JSON fallback is only for a lab added before its form.
 */
export const PARAM_FORMS: Readonly<Record<string, ComponentType<ParamFormProps>>> = {
  convolution: ConvolutionForm,
  pooling: PoolingForm,
  filters: FiltersForm,
  'max-patches': MaxPatchesForm,
  occlusion: OcclusionForm,
  neuron: NeuronForm,
  ascent: AscentForm,
};
