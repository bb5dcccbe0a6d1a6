/**
 * Graceful shutdown at the HTTP edge: after shutdown begins every new request except the health
 * probes gets 503 `server.shutting_down` (with `connection: close`, so keep-alive clients move to
 * another node), while the requests already running are tracked until they finish.
 */
import type { FastifyInstance } from 'fastify';
import { langFrom, registerMessages, translate } from '../common/i18n.js';
import type { Lifecycle } from './lifecycle.js';

registerMessages({
  'server.shutting_down': { 'zh-CN': '服务正在停止，请稍后重试', en: 'The server is shutting down; retry shortly' },
});

const PROBES = new Set(['/api/health/live', '/api/health/ready']);

export function installShutdownGate(fastify: FastifyInstance, lifecycle: Lifecycle): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    if (lifecycle.shuttingDown && !PROBES.has(req.url.split('?')[0])) {
      const code = 'server.shutting_down';
      void reply
        .status(503)
        .header('connection', 'close')
        .header('retry-after', '5')
        .send({ error: { code, message: translate(code, langFrom(req.headers['accept-language'])) } });
      return;
    }
    lifecycle.track(reply.raw);
    done();
  });
}
