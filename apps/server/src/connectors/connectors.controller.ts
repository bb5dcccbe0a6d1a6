/** The connector registry's designer/admin API (platform right `designer`): definitions, test connection, run once. */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Patch, Query } from '@nestjs/common';
import { ConnectorPatchBody, ConnectorRunBody, type Connector, type ConnectorRunLogEntry, type ConnectorRunResult, type ConnectorTestResult } from '@crm/shared';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { ConnectorsService } from './connectors.service.js';

@Controller('api/connectors')
@RequireRight('designer')
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorsService) {}

  @Get()
  async list(): Promise<{ items: Connector[] }> {
    return { items: await this.connectors.list() };
  }

  @Post()
  create(@CurrentUser() p: Principal, @Body() body: unknown): Promise<Connector> {
    return this.connectors.create(p, body);
  }

  @Get(':key')
  get(@Param('key') key: string): Promise<Connector> {
    return this.connectors.get(key);
  }

  @Patch(':key')
  update(@CurrentUser() p: Principal, @Param('key') key: string, @Body() body: unknown): Promise<Connector> {
    return this.connectors.update(p, key, parseInput(ConnectorPatchBody, body));
  }

  @Delete(':key')
  @HttpCode(204)
  async remove(@Param('key') key: string): Promise<void> {
    await this.connectors.remove(key);
  }

  @Post(':key/test')
  @HttpCode(200)
  test(@CurrentUser() p: Principal, @Param('key') key: string): Promise<ConnectorTestResult> {
    return this.connectors.test(key, p);
  }

  @Get(':key/runs')
  async runs(@Param('key') key: string, @Query('limit') limit?: string): Promise<{ items: ConnectorRunLogEntry[] }> {
    return { items: await this.connectors.runs(key, Number(limit) || 50) };
  }

  @Post(':key/run')
  @HttpCode(200)
  async run(@CurrentUser() p: Principal, @Param('key') key: string, @Body() body: unknown): Promise<ConnectorRunResult> {
    return { output: await this.connectors.run(key, parseInput(ConnectorRunBody, body ?? {}).input ?? {}, p) };
  }
}
