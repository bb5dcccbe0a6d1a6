/** `GET /api/search?q=&limit=`: the global search behind the Ctrl+K palette. */
import { Controller, Get, Query } from '@nestjs/common';
import { SearchQuery, type SearchResult, type Unserialized } from '@crm/shared';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { SearchService } from './search.service.js';

@Controller('api/search')
export class SearchController {
  constructor(private readonly searching: SearchService) {}

  @Get()
  search(@CurrentUser() p: Principal, @Query() query: unknown): Promise<Unserialized<SearchResult>> {
    const { q, limit } = parseInput(SearchQuery, query);
    return this.searching.search(p, q, limit);
  }
}
