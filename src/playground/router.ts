import express, { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config';
import { presetsView } from '../presets/router';
import { readManifest, webDir, type PageAssets } from './assets';

// /playground and /console: static HTML shells around the esbuild bundles in dist/web. The pages
// hold no data and no secrets; everything they show comes from the API routes they call, with the
// caller's own credentials and the same access policy as any other frontend.

export const WEB_PATHS = { playground: '/playground', console: '/console', assets: '/web' } as const;

export interface PagesOptions {
  config: Config;
  /** Where upstream calls go (the emulator's origin hands out the LiveKit URL in emulator mode). */
  upstreamBaseURL: string;
}

export function playgroundEnabled(config: Config): boolean {
  return config.PLAYGROUND === 'on' || (config.PLAYGROUND === 'auto' && config.NODE_ENV !== 'production');
}

/**
 * Where the playground may connect besides this origin: the LiveKit server named in the
 * credentials. The emulator's is known (its own origin, ws and http: livekit-client also fetches
 * /rtc/validate); Runway does not publish its LiveKit host, so live mode allows secure WebSockets
 * unless PLAYGROUND_CONNECT_ORIGINS names the host.
 */
export function livekitOrigins(config: Config, upstreamBaseURL: string): string[] {
  if (config.PLAYGROUND_CONNECT_ORIGINS.length) return config.PLAYGROUND_CONNECT_ORIGINS;
  if (config.upstreamMode !== 'emulator') return ['wss:'];
  const origin = new URL(upstreamBaseURL);
  const ws = origin.protocol === 'https:' ? 'wss:' : 'ws:';
  return [`${ws}//${origin.host}`, origin.origin];
}

/** Strict CSP: scripts and styles from this origin only, no inline script, no framing. */
function pageSecurity(connect: string[]): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'media-src': ["'self'", 'blob:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'", ...connect],
        'worker-src': ["'self'", 'blob:'],
        'frame-ancestors': ["'none'"],
        // helmet's default would turn the emulator's ws:// LiveKit URL (and a plain-http broker's own
        // bundles) into wss:// / https:// requests that nothing answers.
        'upgrade-insecure-requests': null,
      },
    },
  });
}

const escapeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function shell(title: string, assets: PageAssets | undefined, data: Record<string, unknown>, dataId: string): string {
  const head = assets
    ? `${assets.css ? `<link rel="stylesheet" href="${WEB_PATHS.assets}/${assets.css}">` : ''}<script type="module" src="${WEB_PATHS.assets}/${assets.js}"></script>`
    : '';
  const body = assets ? '<div id="root"></div>' : '<main><h1>Not built</h1><p>The page bundle is missing: run <code>sh scripts/prepare.sh</code>.</p></main>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
${head}
</head>
<body>
<script type="application/json" id="${dataId}">${escapeJson(data)}</script>
${body}
</body>
</html>
`;
}

export function webPagesRouter({ config, upstreamBaseURL }: PagesOptions): Router {
  const dir = webDir();
  const manifest = readManifest(dir);
  const router = Router();
  const security = pageSecurity(livekitOrigins(config, upstreamBaseURL));
  const send = (html: string, assets: PageAssets | undefined): RequestHandler => (_req, res) => {
    // The shell names the current hashed bundles, so it is revalidated; the bundles themselves are immutable.
    res.status(assets ? 200 : 503).setHeader('Cache-Control', 'no-cache').type('html').send(html);
  };

  if (dir) {
    router.use(
      WEB_PATHS.assets,
      express.static(dir, { immutable: true, maxAge: '365d', index: false, dotfiles: 'deny', fallthrough: true }),
    );
  }
  if (playgroundEnabled(config)) {
    const page = shell('Avatar playground · characters-broker', manifest.playground, { mode: config.upstreamMode, sessionPath: '/api/avatar/session', presets: presetsView().avatars }, 'playground-config');
    router.get(WEB_PATHS.playground, security, send(page, manifest.playground));
  }
  const consolePage = shell('Live console · characters-broker', manifest.console, { statePath: '/api/console/state' }, 'console-config');
  router.get(WEB_PATHS.console, security, send(consolePage, manifest.console));
  return router;
}
