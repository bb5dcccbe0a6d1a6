import { Controller, Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/public.decorator.js';
import { OpenApiService } from './openapi.service.js';
import { AuthService } from '../auth/auth.service.js';

const DOCS_HTML = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>银行客户管理平台 API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script><script src="/api/docs/init.js"></script></body></html>`;
// Kept out of the HTML so a Content-Security-Policy without 'unsafe-inline' holds.
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
  persistAuthorization: true, requestInterceptor: function (r) { var t = localStorage.getItem('crm.token'); if (t && !r.headers.Authorization) r.headers.Authorization = 'Bearer ' + t; return r; } });`;

@Controller('api')
export class OpenApiController {
  constructor(
    private readonly openapi: OpenApiService,
    private readonly auth: AuthService,
  ) {}

  /** Public; with a token it also documents the objects and fields that caller may use. */
  @Public()
  @Get('openapi.json')
  async document(@Req() req: FastifyRequest) {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const p = m ? await this.auth.authenticate(m[1]) : null;
    return this.openapi.document(p);
  }

  @Public()
  @Get('docs')
  docs(@Res() reply: FastifyReply) {
    // The platform's strict Content-Security-Policy (security-headers.ts) holds here too.
    void reply.header('content-type', 'text/html; charset=utf-8').send(DOCS_HTML);
  }

  @Public()
  @Get('docs/init.js')
  init(@Res() reply: FastifyReply) {
    void reply.header('content-type', 'text/javascript; charset=utf-8').send(DOCS_INIT);
  }
}
