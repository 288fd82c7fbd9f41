/** Types of the model store (browser-safe: no fs, no network). */

/** How a built-in model's files are laid out and imported. */
export type ModelFileLayout = 'tfjs-layers' | 'npy' | 'tflite';

/** One file of a model: path relative to the models root (`<id>/model.json`, `tflite/<id>.tflite`), size, sha256. */
export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

/** Where a built-in model comes from (its public home) and how it is stored. */
export interface BuiltinModelSource {
  id: string;
  layout: ModelFileLayout;
  /**
   * Public home of the files. Folder models: a base URL that a file's path inside the model folder is appended to.
   * TFLite models: the URL of the file itself.
   */
  home: string;
  licence: string;
  /** Files of the model folder that have no public home (derived data such as class-order maps). */
  extraFiles?: string[];
}

/** A built-in model as the store knows it: its source plus the size and sha256 of every file. */
export interface StoredModelEntry extends BuiltinModelSource {
  files: ManifestFile[];
  /** Sum of the file sizes in bytes. */
  totalBytes: number;
}

/** Where the files of a model were found (or put) by the Node store. */
export type ModelLocationKind = 'explicit' | 'env' | 'shared' | 'cache' | 'download';
