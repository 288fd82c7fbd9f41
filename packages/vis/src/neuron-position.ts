/**
 * Which neuron of a channel a pick without a position means: the channel's strongest position, the first in row-major
 * order on ties — the executor's rule for a neuron objective without (y, x) (packages/nets), here for the places that
 * must name the position (the CLI's labels and receptive-field crops, the neuron lab's marker).
 */

/** The position of the largest value of a row-major map of `width` columns (the first one on ties; (0, 0) when empty). */
export function strongestPosition(map: ArrayLike<number>, width: number): { y: number; x: number; value: number } {
  if (!(Number.isInteger(width) && width > 0)) throw new Error(`strongestPosition: width must be a positive integer, got ${width}`);
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
  return { y: Math.floor(best / width), x: best % width, value: map[best] ?? 0 };
}

/** The strongest position of channel `channel` in an HWC feature map (batch 1). */
export function strongestInChannel(data: ArrayLike<number>, height: number, width: number, channels: number, channel: number): { y: number; x: number; value: number } {
  if (data.length !== height * width * channels) throw new Error(`strongestInChannel: ${data.length} values for ${height}×${width}×${channels}`);
  if (!Number.isInteger(channel) || channel < 0 || channel >= channels) throw new Error(`channel ${channel} outside 0..${channels - 1}`);
  const map = new Float32Array(height * width);
  for (let i = 0; i < map.length; i++) map[i] = data[i * channels + channel]!;
  return strongestPosition(map, width);
}
