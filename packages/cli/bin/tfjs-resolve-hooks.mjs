// Node ESM resolve hooks for TensorFlow.js' ESM builds (dist/*.js inside @tensorflow/* packages). Those files use
// extensionless and directory imports ('./base', './gradients'), which bundlers accept and Node's ESM loader does
// not. Needed by Node code that imports '@tensorflow/tfjs-core/dist/...' directly (e.g.
// 'dist/register_all_gradients', whose rules the CommonJS bundle Node loads for '@tensorflow/tfjs-core' lacks); tfjs
// keeps its engine and registries in a global, so that ESM copy registers into the same registry.
// Register with `module.register('<this file>', import.meta.url)` before those imports. Only imports from inside
// @tensorflow/* are touched.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const fromTfjs = typeof context.parentURL === 'string' && context.parentURL.includes('/node_modules/@tensorflow/');
    if (!fromTfjs || !specifier.startsWith('.')) throw err;
    if (err?.code !== 'ERR_UNSUPPORTED_DIR_IMPORT' && err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    if (specifier.endsWith('.js')) throw err;
    // Bundler order: the file with '.js' first ('./gradients' is both gradients.js and a folder), then the folder.
    try {
      return await nextResolve(`${specifier}.js`, context);
    } catch {
      return nextResolve(`${specifier}/index.js`, context);
    }
  }
}
