import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from './public.decorator.js';
import { SpaFallback } from './spa-fallback.js';

@Controller()
export class RootController {
  constructor(private readonly spa: SpaFallback) {}

  @Public()
  @Get()
  index(@Res() reply: FastifyReply) {
    this.spa.send(reply);
  }
}
