/** Node-only helpers of @convlab/vis (PNG files, image decoding with sharp, CLI support); kept out of the browser-safe index. */
export { writePng, readImageRgb } from './image-files';
export { encodePng } from './png';
export * from './cli-support';
