import { Global, Module } from '@nestjs/common';
import { AccessService } from './access.service.js';

/** Global: every data path asks the same service. */
@Global()
@Module({ providers: [AccessService], exports: [AccessService] })
export class AccessModule {}
