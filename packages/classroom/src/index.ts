/**
 * The transport-free classroom: live sessions, roles, steps, lock/pause, presence with a grace
 * period, display names. Storage sits behind `ClassroomStore` (see `store.ts`).
 */
export * from './store';
export * from './actor';
export * from './clock';
export * from './classroom';
export * from './presence';
export * from './display-names';
export * from './tokens';
export * from './keyed-queue';
export * from './job-results';
export * from './live-state';
export * from './shared';
export * from './assignment-policy';
export * from './gradebook-csv';
