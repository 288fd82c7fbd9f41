// @convlab/engine: runs a JobSpec over a @convlab/nets model with @convlab/vis' algorithms, and batches forward
// passes of several jobs. Browser-safe: the server's worker threads and the browser's compute worker import it, so a
// result means the same on both sides.
export * from './job-runner';
export * from './batcher';
