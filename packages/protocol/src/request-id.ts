import { z } from 'zod';

/**
 * The client-generated id of one mutating request (e.g. `crypto.randomUUID()`): a retry with the same id from the
 * same sender returns the first result instead of acting twice.
 */
export const RequestIdSchema = z
  .string()
  .min(8, 'a requestId has 8 to 64 characters')
  .max(64, 'a requestId has 8 to 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'a requestId uses only A-Z, a-z, 0-9, "_" and "-"');
export type RequestId = z.infer<typeof RequestIdSchema>;

/**
 * A browser's device token (kept in its local storage, 16–128 URL-safe characters): a student removed from a
 * session cannot rejoin it from the same browser, under any name.
 */
export const DeviceTokenSchema = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'a device token uses only A-Z, a-z, 0-9, "_" and "-"');

/**
 * A fresh request id (Web Crypto: browsers and Node alike). getRandomValues, unlike randomUUID, also exists outside
 * secure contexts: plain http on a lecture-hall LAN, or ConvLab framed by an LMS page served over http.
 */
export function newRequestId(): RequestId {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
