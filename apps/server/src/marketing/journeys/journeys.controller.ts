/** `/api/journeys…`: journey definitions, activation, segment entry and analytics (designers). */
import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { JourneyBody, JourneyUpdateBody, type Journey, type JourneyEnterJob, type JourneyStats } from '@crm/shared';
import { RequireRight } from '../../access/platform-rights.js';
import { CurrentUser, type Principal } from '../../auth/principal.js';
import { parseInput } from '../../common/validation.js';
import { JourneysService } from './journeys.service.js';
import { JourneyEntryJob } from './journey-entry.job.js';

@Controller('api/journeys')
@RequireRight('designer')
export class JourneysController {
  constructor(
    private readonly journeys: JourneysService,
    private readonly entryJob: JourneyEntryJob,
  ) {}

  @Get()
  list(): Promise<{ items: Journey[] }> {
    return this.journeys.list();
  }

  @Post()
  create(@CurrentUser() p: Principal, @Body() body: unknown): Promise<Journey> {
    return this.journeys.create(p, parseInput(JourneyBody, body));
  }

  @Get(':key')
  get(@Param('key') key: string): Promise<Journey> {
    return this.journeys.get(key);
  }

  @Put(':key')
  update(@CurrentUser() p: Principal, @Param('key') key: string, @Body() body: unknown): Promise<Journey> {
    return this.journeys.update(p, key, parseInput(JourneyUpdateBody, body));
  }

  @Post(':key/activate')
  @HttpCode(200)
  activate(@CurrentUser() p: Principal, @Param('key') key: string): Promise<Journey> {
    return this.journeys.activate(p, key);
  }

  @Post(':key/pause')
  @HttpCode(200)
  pause(@CurrentUser() p: Principal, @Param('key') key: string): Promise<Journey> {
    return this.journeys.pause(p, key);
  }

  /** Segment entry: a background job (progress at GET /api/jobs/:id). */
  @Post(':key/enter')
  @HttpCode(202)
  enter(@CurrentUser() p: Principal, @Param('key') key: string): Promise<JourneyEnterJob> {
    return this.entryJob.start(p, key);
  }

  @Get(':key/stats')
  stats(@Param('key') key: string): Promise<JourneyStats> {
    return this.journeys.stats(key);
  }
}
