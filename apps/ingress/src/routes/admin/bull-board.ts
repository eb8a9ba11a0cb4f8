import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { ALL_QUEUES } from '@cauce/queues';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IngressDeps } from '../../context.ts';
import { type AdminClaims, authenticate, hasRole } from '../../plugins/auth.ts';
import { LOGIN_PATH, LOGOUT_PATH, ME_PATH } from './login.ts';

export const BOARD_PATH = '/api/admin/queues/ui';

/** Methods a viewer may use on the board: reading only. Every board action is PUT, POST or PATCH. */
const READ_METHODS = new Set(['GET', 'HEAD']);

declare module 'fastify' {
  interface FastifyRequest {
    boardUser?: AdminClaims;
  }
}

/**
 * What a viewer receives from the board's API: every queue flagged read-only so the UI offers no
 * retry, remove, clean, pause or add actions. (The flags are cosmetic: the onRequest hook refuses
 * any write from a viewer. Job data, results, errors and logs are masked by the viewer response
 * layer, plugins/viewer-view.ts, which runs before this.)
 */
export function viewerBoardView(body: unknown): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'readOnlyMode') out[k] = true;
      else if (k === 'allowRetries' || k === 'allowCompletedRetries') out[k] = false;
      else out[k] = walk(x);
    }
    return out;
  };
  return walk(body);
}

/**
 * Bull Board's page as served here: no request leaves the server and nothing inline needs the
 * CSP relaxed. Its <link> to Google Fonts (and any other absolute stylesheet URL) is dropped, so
 * the UI uses the system font; the inline styles of its "Loading" placeholder are dropped too
 * (the app replaces the placeholder as soon as it starts).
 */
export function selfContainedBoardPage(html: string): string {
  return html
    .replace(/<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>/gi, '')
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '')
    .replace(/\sstyle="[^"]*"/gi, '');
}

const UI_CONFIG = /(<script id="__UI_CONFIG__" type="application\/json">)([\s\S]*?)(<\/script>)/;

/**
 * The board's header names who is logged in and their role: the first entry of its user menu
 * (the miscLinks of the page's UI config, a JSON block the CSP need not allow), beside the logout
 * link. `<` is escaped so no value can close the block.
 */
export function withUser(html: string, user: AdminClaims | undefined): string {
  if (!user) return html;
  return html.replace(UI_CONFIG, (all, open: string, json: string, close: string) => {
    try {
      const config = JSON.parse(json) as { miscLinks?: Array<{ text: string; url: string }> };
      config.miscLinks = [{ text: `${user.sub} (${user.role})`, url: ME_PATH }, ...(config.miscLinks ?? [])];
      return `${open}${JSON.stringify(config).replace(/</g, '\\u003c')}${close}`;
    } catch {
      return all;
    }
  });
}

/**
 * Bull Board for every queue in QUEUES at /api/admin/queues/ui. A login (the session cookie set
 * by /api/admin/login) or a Bearer token is required for every page, asset and API call under it;
 * admins get the full board, viewers a read-only, masked one.
 */
export async function bullBoardRoutes(app: FastifyInstance, { producer }: IngressDeps) {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: ALL_QUEUES.map((name) => new BullMQAdapter(producer.queue(name))),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'Cauce queues',
        miscLinks: [
          { text: 'API docs', url: '/docs' },
          { text: 'Cerrar sesión / Log out', url: LOGOUT_PATH },
        ],
        hideDocsLink: true,
      },
    },
  });

  const refuse = (req: FastifyRequest, reply: FastifyReply, code: 401 | 403, message: string) => {
    const rest = req.url.slice(BOARD_PATH.length);
    const isPage = req.method === 'GET' && !rest.startsWith('/api/') && !rest.startsWith('/static/');
    if (code === 401 && isPage)
      return reply.redirect(`${LOGIN_PATH}?next=${encodeURIComponent(req.url)}`, 302);
    return reply.code(code).send({ error: code === 401 ? 'unauthorized' : 'forbidden', message });
  };

  await app.register(async (board) => {
    board.addHook('onRequest', async (req, reply) => {
      const user = await authenticate(req);
      if (!user) return refuse(req, reply, 401, 'a valid admin or viewer token is required');
      if (!hasRole(user, 'admin') && !READ_METHODS.has(req.method))
        return refuse(req, reply, 403, 'viewers have read-only access to the queues');
      req.boardUser = user;
    });
    board.addHook('preSerialization', async (req, _reply, payload) =>
      req.boardUser && !hasRole(req.boardUser, 'admin') ? viewerBoardView(payload) : payload,
    );
    board.addHook('onSend', async (req, reply, payload) =>
      typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('text/html')
        ? withUser(selfContainedBoardPage(payload), req.boardUser)
        : payload,
    );
    await board.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
  });
}
