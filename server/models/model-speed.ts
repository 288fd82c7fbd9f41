/**
 * Each model's speed class for the lesson editor: what a laptop can expect (from the model's GFLOPs, a documented
 * rule: `laptopSpeedClass`) and its forward time measured on this server. Measuring runs once per model in the
 * background (`ComputeService.measureModel`, queued behind every job) and is kept; a model list never waits for it.
 */
import { laptopSpeedClass, type InstalledModel, type ModelSpeed } from '@convlab/protocol';
import type { ServerContext } from '../context';

/** The speed of a model of `gflops` per image, not measured yet. */
export function speedOf(gflops: number): ModelSpeed {
  return { serverMs: null, backend: null, gflops, laptop: laptopSpeedClass(gflops) };
}

/**
 * The models with the server times measured so far; the others start measuring now (the compute service starts
 * too, if it has not) and show in a later list.
 */
export function withMeasuredSpeeds(ctx: Pick<ServerContext, 'compute'>, models: InstalledModel[]): InstalledModel[] {
  const service = ctx.compute.current();
  if (!service) {
    void ctx.compute.get().then(
      (s) => models.forEach((m) => s.modelTiming(m.id)),
      () => undefined, // no compute here: models show without a server time
    );
    return models;
  }
  return models.map((m) => {
    const timing = service.modelTiming(m.id);
    return timing && m.speed ? { ...m, speed: { ...m.speed, serverMs: timing.forwardMs, backend: timing.backend } } : m;
  });
}
