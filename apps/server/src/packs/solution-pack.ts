/**
 * What a solution pack (a plugin on top of the platform) contributes. The platform knows packs only
 * through this shape and the one registry (installed-packs.ts): it builds and runs with none.
 */
import type { Type } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { ServiceHandler } from '../workflow/service-tasks.js';
import type { StaticRoute } from '../openapi/static-routes.js';

/** One step of a pack's own schema (its tables in schema `crm`), run once, in order, in its own transaction. */
export interface PackMigration {
  /** Sortable and never reused, e.g. `0001-sanctions`; recorded in crm.pack_migrations. */
  id: string;
  up(client: PoolClient): Promise<void>;
}

/** A Nest provider of the pack that hands its service-task types to the workflow's registry at start-up. */
export interface PackServiceTasks {
  serviceTasks(): Record<string, ServiceHandler>;
}

/** A Nest provider of the pack that loads demo data after its template was installed in demo mode; returns lines to print. */
export interface PackDemoLoader {
  loadDemo(): Promise<string[]>;
}

export interface SolutionPack {
  /** Also the key of its template bundle (`/api/templates/:key`). */
  key: string;
  /** Folder holding `template.json` and the BPMN / DMN files it names. */
  bundleDir: string;
  /** The pack's Nest module (controllers, services); imported by the app when the pack is installed. */
  module: Type<unknown>;
  /** Providers (of the pack's module) that contribute service-task types. */
  serviceTasks?: Type<PackServiceTasks>[];
  /** The service-task types those providers must contribute (checked at start-up, listed in docs). */
  serviceTaskTypes?: readonly string[];
  migrations?: readonly PackMigration[];
  demoLoader?: Type<PackDemoLoader>;
  /** The pack's HTTP routes, for the generated OpenAPI document. */
  openApiRoutes?: readonly StaticRoute[];
}
