import { Body, Controller, Delete, Get, HttpCode, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@parley/service-runtime';
import {
  Actor,
  ConversationMuteInput,
  ErrorCode,
  MuteState,
  NotificationCommands,
  ParleyError,
  parsePayload,
  PushRegistration,
  PushRegistrationInput,
  PushUnregisterInput,
} from '@parley/contracts';
import { NotificationCommandsService } from '../commands/notification-commands.service';
import { ApiErrors, jsonSchema, USER_AUTH } from './openapi';
import { UserRateLimitGuard } from './rate-limit.guards';
import { CurrentActor, UserTokenGuard } from './user-token.guard';

/** Client REST for push notifications: a device's push target, and per-conversation mutes (docs/notifications.md). */
@ApiTags('client')
@ApiBearerAuth(USER_AUTH)
@ApiErrors(400, 401, 429, 503)
@UseGuards(UserTokenGuard, UserRateLimitGuard)
@Controller('v1')
export class NotificationsController {
  constructor(private readonly notifications: NotificationCommandsService) {}

  @Get('push/config')
  @ApiOperation({ summary: 'The platforms this server pushes to, and the VAPID public key browsers subscribe with' })
  @ApiOkResponse({ schema: jsonSchema(NotificationCommands.pushConfig.reply) })
  config() {
    return this.notifications.pushConfig();
  }

  @Put('push/registrations/:deviceId')
  @ApiOperation({ summary: "Registers (or replaces) a device's push target: a Web Push subscription, or an FCM or APNs token" })
  @ApiParam({ name: 'deviceId', description: 'the deviceId the device connects with' })
  @ApiBody({ schema: jsonSchema(PushRegistrationInput, 'input'), description: 'deviceId comes from the path' })
  @ApiOkResponse({ schema: jsonSchema(PushRegistration) })
  register(@CurrentActor() actor: Actor, @Param('deviceId') deviceId: string, @Body() body: unknown) {
    return this.notifications.register(actor, parsePayload(PushRegistrationInput, { ...asObject(body), deviceId }));
  }

  @Get('push/registrations')
  @ApiOperation({ summary: "The caller's registered devices (without their keys)" })
  @ApiOkResponse({ schema: jsonSchema(NotificationCommands.pushList.reply) })
  registrations(@CurrentActor() actor: Actor) {
    return this.notifications.registrations(actor);
  }

  @Delete('push/registrations/:deviceId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Removes a device push target: it gets no more pushes' })
  @ApiParam({ name: 'deviceId' })
  @ApiNoContentResponse()
  @ApiErrors(404)
  async unregister(@CurrentActor() actor: Actor, @Param('deviceId') deviceId: string) {
    await this.notifications.unregister(actor, parsePayload(PushUnregisterInput, { deviceId }));
  }

  @Put('conversations/:conversationId/mute')
  @ApiOperation({ summary: 'Mutes a conversation on all the caller devices, for good or until `until` (as conversation.mute)' })
  @ApiParam({ name: 'conversationId' })
  @ApiBody({ schema: jsonSchema(ConversationMuteInput.pick({ until: true }), 'input'), required: false })
  @ApiOkResponse({ schema: jsonSchema(MuteState) })
  @ApiErrors(403, 404)
  mute(@CurrentActor() actor: Actor, @Param('conversationId') conversationId: string, @Body() body: unknown) {
    return this.notifications.mute(actor, parsePayload(ConversationMuteInput, { ...asObject(body), conversationId, muted: true }));
  }

  @Delete('conversations/:conversationId/mute')
  @ApiOperation({ summary: 'Lifts a mute' })
  @ApiParam({ name: 'conversationId' })
  @ApiOkResponse({ schema: jsonSchema(MuteState) })
  @ApiErrors(403, 404)
  unmute(@CurrentActor() actor: Actor, @Param('conversationId') conversationId: string) {
    return this.notifications.mute(actor, parsePayload(ConversationMuteInput, { conversationId, muted: false }));
  }

  @Get('mutes')
  @ApiOperation({ summary: "The caller's mutes in force" })
  @ApiOkResponse({ schema: jsonSchema(NotificationCommands.muteList.reply) })
  mutes(@CurrentActor() actor: Actor) {
    return this.notifications.mutes(actor);
  }
}

/** The body's fields, to be merged with the path's; a missing body has none. */
function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ParleyError(ErrorCode.BAD_REQUEST, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}
