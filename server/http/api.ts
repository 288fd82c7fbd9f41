/** The JSON API served before the Next.js handler. */
import { registerAccountRoutes } from './accounts.routes';
import { registerAssignmentRoutes } from './assignments.routes';
import { registerAuthRoutes } from './auth.routes';
import { registerCourseRoutes } from './courses.routes';
import { registerCatalogRoutes } from './catalog.routes';
import { registerHealthRoutes } from './health.routes';
import { registerImageRoutes } from './images.routes';
import { registerLessonRoutes } from './lessons.routes';
import { registerLtiRoutes } from './lti.routes';
import { registerLibraryRoutes } from './library.routes';
import { Router } from './router';
import { registerSessionRoutes } from './sessions.routes';
import { registerStudentWorkRoutes } from './student-work.routes';
import { registerSubmissionRoutes } from './submissions.routes';

/** Builds the router with every API route of the contract. */
export function createApiRouter(): Router {
  const router = new Router();
  registerAuthRoutes(router);
  registerAccountRoutes(router);
  registerCourseRoutes(router);
  registerSessionRoutes(router);
  registerSubmissionRoutes(router);
  registerStudentWorkRoutes(router);
  registerHealthRoutes(router);
  registerImageRoutes(router);
  registerLessonRoutes(router);
  registerLibraryRoutes(router);
  registerCatalogRoutes(router);
  registerLtiRoutes(router);
  registerAssignmentRoutes(router);
  return router;
}
