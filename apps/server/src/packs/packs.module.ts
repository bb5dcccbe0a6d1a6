/**
 * The installed solution packs inside the app: their Nest modules, and their service-task types
 * handed to the workflow's registry before anything runs (a pack that declares a type it does not
 * provide stops the start).
 */
import { type DynamicModule, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { ServiceTaskRegistry } from '../workflow/service-tasks.js';
import { solutionPacks } from './pack-registry.js';

@Injectable()
export class PackServiceTaskRegistrar implements OnModuleInit {
  constructor(
    private readonly registry: ServiceTaskRegistry,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    for (const pack of solutionPacks()) {
      const provided = new Set<string>();
      for (const type of pack.serviceTasks ?? []) {
        for (const [name, handler] of Object.entries(this.moduleRef.get(type, { strict: false }).serviceTasks())) {
          this.registry.register(name, handler);
          provided.add(name);
        }
      }
      const missing = (pack.serviceTaskTypes ?? []).filter((t) => !provided.has(t));
      if (missing.length) throw new Error(`The ${pack.key} pack declares service tasks it does not provide: ${missing.join(', ')}`);
    }
  }
}

@Module({})
export class PacksModule {
  static register(): DynamicModule {
    return { module: PacksModule, imports: [WorkflowModule, ...solutionPacks().map((p) => p.module)], providers: [PackServiceTaskRegistrar] };
  }
}
