import { Module } from '@nestjs/common';
import { OpenApiService } from './openapi.service.js';
import { OpenApiController } from './openapi.controller.js';
import { AuthModule } from '../auth/auth.module.js';

@Module({ imports: [AuthModule], providers: [OpenApiService], controllers: [OpenApiController] })
export class OpenApiModule {}
