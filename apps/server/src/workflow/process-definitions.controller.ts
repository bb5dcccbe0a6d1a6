import { VariablesViewInterceptor } from './variables-view.interceptor.js';
import { Body, Controller, Get, Header, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { DefinitionsService } from './definitions.service.js';
import { ProcessInstancesService } from './process-instances.service.js';
import { WorkflowAccess } from './workflow-access.js';
import { DeployBody, ProcessXmlQuery, StartBody, type DeployResponse, type ProcessDefinition, type ProcessInstance, type Unserialized } from '@crm/shared';

@Controller('api/process-definitions')
@UseInterceptors(VariablesViewInterceptor)
export class ProcessDefinitionsController {
  constructor(
    private readonly defs: DefinitionsService,
    private readonly instances: ProcessInstancesService,
    private readonly access: WorkflowAccess,
  ) {}

  @Post()
  @RequireRight('designer')
  deploy(@CurrentUser() p: Principal, @Body() body: unknown): Promise<DeployResponse> {
    return this.defs.deploy(p, parseInput(DeployBody, body));
  }

  @Get()
  list(): Promise<Unserialized<ProcessDefinition>[]> {
    return this.defs.listLatest();
  }

  @Get(':key/versions')
  versions(@Param('key') key: string): Promise<Unserialized<ProcessDefinition>[]> {
    return this.defs.versions(key);
  }

  @Get(':key/xml')
  @Header('content-type', 'application/xml; charset=utf-8')
  async xml(@CurrentUser() p: Principal, @Param('key') key: string, @Query() q: unknown) {
    // The model shows who approves what and every rule: for those who design, run or start processes.
    await this.access.require(p, 'designer', 'process.admin', 'process.start');
    const { version } = parseInput(ProcessXmlQuery, q);
    return this.defs.xml(key, version);
  }

  @Post(':key/start')
  start(@CurrentUser() p: Principal, @Param('key') key: string, @Body() body: unknown): Promise<Unserialized<ProcessInstance>> {
    return this.instances.start(p, key, parseInput(StartBody, body));
  }
}
