/** The JSON API served before the Next.js handler. */
import { registerAuthRoutes } from './auth.routes';
import { registerHealthRoutes } from './health.routes';
import { Router } from './router';
import { registerSessionRoutes } from './sessions.routes';

/** Builds the router with every API route of the contract. */
export function createApiRouter(): Router {
  const router = new Router();
  registerAuthRoutes(router);
  registerSessionRoutes(router);
  registerHealthRoutes(router);
  return router;
}
