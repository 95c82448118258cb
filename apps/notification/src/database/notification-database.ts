import { Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * The notification service's tables live in the directory database, beside the users
 * they belong to (a deactivated or deleted user takes its registrations with it).
 */
export const NOTIFICATION_DATABASE = Symbol('NOTIFICATION_DATABASE');
export const InjectNotificationDatabase = () => Inject(NOTIFICATION_DATABASE);
export type NotificationDatabase = DataSource;
