/**
 * The ConvLab wire protocol: zod schemas for every socket event, HTTP body and DTO, the Socket.io
 * event maps derived from them, the protocol version, error codes and join codes.
 * Shared by the server and the browser; depends on zod only.
 */
import './zod-config';
export * from './version';
export * from './timing';
export * from './errors';
export * from './join-code';
export * from './display-name';
export * from './dto.schemas';
export * from './assignments.schemas';
export * from './events.schemas';
export * from './events';
export * from './request-id';
export * from './payload-guard';
export * from './http.schemas';
export * from './lti.schemas';
export * from './courses.schemas';
export * from './lesson.schemas';
export * from './masks';
export * from './window-grid';
export * from './jobs';
export * from './job-wire';
