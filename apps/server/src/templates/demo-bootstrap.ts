/**
 * Demo mode, first start: installs the solution packs' templates (after the demo org and users are
 * seeded), then runs each installed pack's demo loader. Test suites set CRM_DEMO_TEMPLATES=none for
 * a bare platform (CRM_DEMO_TEMPLATES: a comma list, or "none"; default: every pack in this build).
 */
import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { packByKey, templateKeys } from '../packs/pack-registry.js';
import { TemplatesService } from './templates.service.js';

@Injectable()
export class DemoBootstrap {
  constructor(
    private readonly templates: TemplatesService,
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Returns lines to print to the console. */
  async run(): Promise<string[]> {
    if (!this.config.demo) return [];
    const keys = this.config.demoTemplates ?? templateKeys();
    const lines: string[] = [];
    for (const key of keys) {
      if (await this.templates.state(key)) continue;
      // First start of the demo: the demo roles seeded a moment ago get the pack's permissions.
      const res = await this.templates.install(key, null, 'zh-CN', { setUpRoles: true });
      lines.push(`Demo mode: installed the ${key} template v${res.version} (${res.changes.length} parts).`);
    }
    for (const key of keys) {
      const loader = packByKey(key)?.demoLoader;
      if (loader) lines.push(...(await this.moduleRef.get(loader, { strict: false }).loadDemo()));
    }
    return lines;
  }
}
