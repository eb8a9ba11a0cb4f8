import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { doc, errors, noBody, textBody } from '../../http/schemas.ts';
import { authenticate } from '../../plugins/auth.ts';
import { FORM_PAGE_REFERRER_POLICY } from '../../plugins/security-headers.ts';
import { LOGIN_PATH } from './login.ts';

/**
 * The operator console (apps/console, docs/console.md): a Preact app built by Vite into
 * apps/console/dist at install, served here under /admin. Its assets are public files with
 * hashed names; its page (index.html, the same for every client route /admin/*) needs a session:
 * without one the browser goes to the login form and comes back. The page has no inline script
 * or style, so the default CSP ('self' only) serves it.
 */
export const CONSOLE_PATH = '/admin';

/** apps/console/dist as linked (development) or deployed (node_modules/@cauce/console/dist). */
export function consoleDist(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@cauce/console/package.json')), 'dist');
}

const assetParams = z.object({ '*': z.string().max(300) });
const tags = ['console'];

export async function consoleRoutes(scope: FastifyInstance, deps: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const dist = consoleDist();
  const indexFile = join(dist, 'index.html');
  const built = existsSync(indexFile);
  if (!built)
    deps.log.warn(
      { dist },
      'the operator console is not built: run `pnpm --filter @cauce/console build` (the install does it)',
    );
  // Read once: a rebuild (`pnpm --filter @cauce/console dev`) is picked up on the next start.
  const index = built ? readFileSync(indexFile, 'utf8') : '';
  await app.register(fastifyStatic, {
    root: join(dist, 'assets'),
    serve: false,
    decorateReply: true,
  });

  app.get(
    `${CONSOLE_PATH}/assets/*`,
    {
      schema: {
        ...doc({
          summary: "The console's scripts and styles (hashed file names, cached for a year)",
          tags,
          auth: 'public',
        }),
        params: assetParams,
        response: {
          200: textBody('the file', 'application/octet-stream'),
          ...errors({ 404: 'no such file' }),
        },
      },
    },
    async (req, reply) =>
      (reply as FastifyReply).sendFile(req.params['*'], { maxAge: '365d', immutable: true }),
  );

  const page = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!(await authenticate(req)))
      return reply.redirect(`${LOGIN_PATH}?next=${encodeURIComponent(req.url)}`, 302);
    if (!built)
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The operator console is not built: run `pnpm --filter @cauce/console build`.');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', FORM_PAGE_REFERRER_POLICY)
      .send(index);
  };
  const pageSchema = {
    ...doc({
      summary:
        'The operator console (HTML; every /admin/* page; not logged in: a redirect to the login form)',
      tags,
      auth: 'public',
    }),
    response: {
      200: textBody('the console page', 'text/html'),
      302: noBody('to the login form, then back'),
      503: textBody('the console is not built', 'text/plain'),
    },
  };
  app.get(CONSOLE_PATH, { schema: pageSchema }, page);
  app.get(`${CONSOLE_PATH}/*`, { schema: pageSchema }, page);
}
