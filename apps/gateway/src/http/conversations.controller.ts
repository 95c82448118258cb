import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@parley/service-runtime';
import { Actor, ConversationListInput, HistoryCommands, HistoryFetchInput, parsePayload } from '@parley/contracts';
import { ChatCommandsService } from '../commands/chat-commands.service';
import { ApiErrors, jsonSchema, USER_AUTH } from './openapi';
import { integersIn } from './query-integers';
import { UserRateLimitGuard } from './rate-limit.guards';
import { CurrentActor, UserTokenGuard } from './user-token.guard';

/** Client REST: the same reads as the Socket.IO events, validated by the same contract schemas. */
@ApiTags('client')
@ApiBearerAuth(USER_AUTH)
@ApiErrors(400, 401, 429, 503)
@UseGuards(UserTokenGuard, UserRateLimitGuard)
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly chat: ChatCommandsService) {}

  @Get()
  @ApiOperation({ summary: 'The caller conversations, newest activity first (as conversation.list)' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ schema: jsonSchema(HistoryCommands.conversationList.reply) })
  list(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>) {
    return this.chat.listConversations(actor, parsePayload(ConversationListInput, integersIn(query, ['limit'])));
  }

  @Get(':conversationId/messages')
  @ApiOperation({ summary: 'A page of messages, ascending seq (as history.fetch)' })
  @ApiParam({ name: 'conversationId' })
  @ApiQuery({ name: 'beforeSeq', required: false, type: Number })
  @ApiQuery({ name: 'afterSeq', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1..100, default 50' })
  @ApiOkResponse({ schema: jsonSchema(HistoryCommands.messagesFetch.reply) })
  @ApiErrors(403, 404)
  messages(@CurrentActor() actor: Actor, @Param('conversationId') conversationId: string, @Query() query: Record<string, unknown>) {
    const input = parsePayload(HistoryFetchInput, { ...integersIn(query, ['beforeSeq', 'afterSeq', 'limit']), conversationId });
    return this.chat.fetchHistory(actor, input);
  }
}
