/** Node-only helpers of @convlab/vis (PNG files, image decoding with sharp, CLI support); kept out of the browser-safe index. */
export { encodePng, writePng, readImageRgb } from './image-files';
export * from './cli-support';
