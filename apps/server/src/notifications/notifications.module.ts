/** The notification centre: stored per user, pushed to open streams over Server-Sent Events. */
import { Module } from '@nestjs/common';
import { NotificationsController } from './notifications.controller.js';
import { NOTIFICATIONS_CLOCK, NotificationsService, type Clock } from './notifications.service.js';
import { NotificationStreams } from './notification-streams.js';

const systemClock: Clock = () => new Date();

@Module({
  providers: [NotificationsService, NotificationStreams, { provide: NOTIFICATIONS_CLOCK, useValue: systemClock }],
  controllers: [NotificationsController],
  exports: [NotificationsService],
})
export class NotificationsModule {}
