/**
 * Serves the web app: `/` and every unknown non-API GET get index.html (client-side routing);
 * until the web app is built, a small placeholder page.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';

const PLACEHOLDER = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>银行客户管理平台</title></head>
<body><h1>银行客户管理平台</h1><p>服务已启动。Web 应用尚未构建：请运行 <code>pnpm build</code>。</p>
<p><a href="/api/health">/api/health</a> · <a href="/api/docs">/api/docs</a></p></body></html>`;

export class SpaFallback {
  private html: string | null = null;
  constructor(private readonly indexFile: string) {}

  handles(req: FastifyRequest): boolean {
    const path = req.url.split('?')[0];
    return req.method === 'GET' && !path.startsWith('/api/') && path !== '/api' && !path.startsWith('/metrics') && !/\.[a-z0-9]{1,5}$/i.test(path);
  }

  page(): string {
    if (this.html === null && existsSync(this.indexFile)) this.html = readFileSync(this.indexFile, 'utf8');
    return this.html ?? PLACEHOLDER;
  }

  send(reply: FastifyReply): void {
    void reply
      .status(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(this.page());
  }
}
