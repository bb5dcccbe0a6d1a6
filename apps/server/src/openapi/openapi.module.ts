import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { OpenApiService } from './openapi.service.js';
import { OpenApiController } from './openapi.controller.js';
import { AuthModule } from '../auth/auth.module.js';
import { RegisteredRoutes } from './registered-routes.js';

@Module({ imports: [AuthModule, DiscoveryModule], providers: [OpenApiService, RegisteredRoutes], exports: [RegisteredRoutes], controllers: [OpenApiController] })
export class OpenApiModule {}
