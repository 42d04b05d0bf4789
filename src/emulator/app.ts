// The emulator's own Express app. Knows nothing about the broker.
import express, { type Express } from 'express';
import type { EmulatorCore } from './core';
import { errorHandler, notFoundRoute } from './errors';
import { VALIDATE_PATHS } from './livekit';
import { avatarRoutes } from './routes/avatars';
import { controlRoutes } from './routes/control';
import { conversationRoutes } from './routes/conversations';
import { documentRoutes } from './routes/documents';
import { organizationRoutes } from './routes/organization';
import { sessionRoutes } from './routes/sessions';
import { uploadRoutes } from './routes/uploads';
import { voiceRoutes } from './routes/voices';
import { operation } from './auth';

export function createApp(core: EmulatorCore): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true); // behind compose/ingress, X-Forwarded-Proto decides ws:// vs wss://
  app.set('etag', false); // polling must never get a 304
  // data: URI reference images can be ~5 MB of text
  app.use(express.json({ limit: '8mb' }));
  // One line per request, in the broker's shape (req, res, responseTime), so both read alike.
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const line = { req: { method: req.method, path: req.path }, res: { statusCode: res.statusCode }, responseTime: Math.round(performance.now() - started) };
      core.log.info(line, 'emulator: request');
    });
    next();
  });
  app.use(controlRoutes(core));
  app.use(sessionRoutes(core));
  app.use(avatarRoutes(core));
  app.use(documentRoutes(core));
  app.use(conversationRoutes(core));
  app.use(uploadRoutes(core));
  app.use(voiceRoutes(core));
  app.use(organizationRoutes(core));
  app.get(VALIDATE_PATHS, operation(core, 'livekit.validate', 'none'), core.livekit.validate);
  app.use(notFoundRoute);
  app.use(errorHandler(core.log));
  return app;
}
