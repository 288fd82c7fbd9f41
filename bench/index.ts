/**
 * `npm run bench` — four suites, each with its own table, all in one JSON file:
 * - models (bench-core, node-bench, browser-bench): per built-in model, forward ms/image at batch 1 and 16 and
 *   input-gradient ms/image, on Node (wasm, cpu) and in headless Chromium (webgl, wasm), plus each backend's raw
 *   matmul GFLOP/s so that every figure can be read against the machine's limit (bound = FLOPs per pass / GFLOP/s);
 * - vis (vis-bench-core): the visualization algorithms on MobileNet v1 0.25 and 0.75, in Node (vis.bench.ts) and in
 *   Chromium (browser-bench), in one table; compute (compute.bench.ts): the compute server under load — 1, 10 and
 *   30 students in a closed loop × pool 1 and 2 × batching on and off, run side by side, with the verdict lines
 *   (speedup of pool 2 + batching over one unbatched worker; slowest student's p95 / median latency);
 *   join (join.bench.ts): p50/p95 join time of 300 students joining at once, on a slide and while workers warm up.
 * Prints the tables and writes bench/results/bench-<time>.json (and latest.json).
 *
 *   npm run bench -- [--suite models,vis,compute,join,gpu] [--models id,id] [--swiftshader]
 *                    [--backends node-wasm,node-cpu,chromium-webgl,chromium-wasm] [--iterations 3] [--budget-s 30] [--full] [--quick] [--out DIR]
 * --quick: small models, few iterations, every suite shortened. --full: never skip batch 16 for time.
 * gpu (only when named; gpu.bench.ts): wasm vs WebGPU through Dawn side by side; --swiftshader measures WebGPU on
 * Chromium's software Vulkan where no GPU is set up (it shows the path works, not GPU speed).
 */
import { runBench } from './run-bench';

process.exitCode = await runBench(process.argv.slice(2));
