import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { DefinitionsService } from './definitions.service.js';
import { WorkflowAccess } from './workflow-access.js';
import { DecisionBody, EvaluateBody, type DecisionDefinition, type DecisionDeployResponse, type DecisionDetail, type EvaluateResponse, type Unserialized } from '@crm/shared';

@Controller('api/decision-definitions')
export class DecisionsController {
  constructor(
    private readonly defs: DefinitionsService,
    private readonly access: WorkflowAccess,
  ) {}

  @Post()
  @RequireRight('designer')
  deploy(@CurrentUser() p: Principal, @Body() body: unknown): Promise<DecisionDeployResponse> {
    return this.defs.deployDecision(p, parseInput(DecisionBody, body).dmnXml);
  }

  @Get()
  list(): Promise<Unserialized<DecisionDefinition>[]> {
    return this.defs.listDecisions();
  }

  /** The decision-table editor opens the latest version's XML (design work, like evaluating). */
  @Get(':key')
  async get(@CurrentUser() p: Principal, @Param('key') key: string): Promise<Unserialized<DecisionDetail>> {
    await this.access.require(p, 'designer', 'process.admin');
    return this.defs.getDecision(key);
  }

  @Post(':key/evaluate')
  @HttpCode(200)
  async evaluate(@CurrentUser() p: Principal, @Param('key') key: string, @Body() body: unknown): Promise<EvaluateResponse> {
    // Trying out a decision table is design work (it shows every threshold of the bank's rules).
    await this.access.require(p, 'designer', 'process.admin');
    return this.defs.evaluate(key, parseInput(EvaluateBody, body).variables);
  }
}
