import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@parley/service-runtime';
import { z } from 'zod';
import { DirectoryCommands, HistoryCommands, Id, Org, PresenceCommands, Seq, User } from '@parley/contracts';
import { AdminService } from '../admin/admin.service';
import { AdminTokenGuard } from './admin-token.guard';
import { AdminRateLimitGuard } from './rate-limit.guards';
import { ADMIN_AUTH, ApiErrors, jsonSchema } from './openapi';
import { ZodValidationPipe } from './zod-validation.pipe';

const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

const OrgCreateBody = DirectoryCommands.orgCreate.request;
const UserCreateBody = z.strictObject({ displayName: DirectoryCommands.userCreate.request.shape.displayName });
const TokenRequestBody = z.strictObject({ ttlSeconds: z.int().min(1).max(MAX_TOKEN_TTL_SECONDS).optional() }).optional();
const SessionsQuery = z.strictObject({ userId: Id.optional() });
const ChatNodesQuery = z.strictObject({ conversationId: Id.optional() });

const IssuedToken = z.object({ token: z.string(), expiresAt: z.string() });
const ChatNodes = z.object({ nodes: z.array(z.string()), owner: z.string().nullable().optional() });

const validId = new ZodValidationPipe(Id);
const validSeq = new ZodValidationPipe(z.string().regex(/^\d{1,15}$/, 'seq must be a positive integer').transform(Number).pipe(Seq));

/** Operator API; every route needs the admin token. */
@ApiTags('admin')
@ApiBearerAuth(ADMIN_AUTH)
@ApiErrors(401, 429)
@UseGuards(AdminRateLimitGuard, AdminTokenGuard)
@Controller('admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post('orgs')
  @ApiOperation({ summary: 'Create an org', description: '`shardSpread` > 1 marks a large org whose conversations spread over several shards.' })
  @ApiBody({ schema: jsonSchema(OrgCreateBody, 'input') })
  @ApiCreatedResponse({ schema: jsonSchema(Org) })
  @ApiErrors(400, 413, 503)
  createOrg(@Body(new ZodValidationPipe(OrgCreateBody)) body: z.infer<typeof OrgCreateBody>) {
    return this.admin.createOrg(body);
  }

  @Get('orgs/:orgId')
  @ApiOperation({ summary: 'Get an org' })
  @ApiOkResponse({ schema: jsonSchema(Org) })
  @ApiErrors(400, 404, 503)
  getOrg(@Param('orgId', validId) orgId: string) {
    return this.admin.getOrg(orgId);
  }

  @Post('orgs/:orgId/users')
  @ApiOperation({ summary: 'Create a user in an org' })
  @ApiBody({ schema: jsonSchema(UserCreateBody, 'input') })
  @ApiCreatedResponse({ schema: jsonSchema(User) })
  @ApiErrors(400, 413, 404, 503)
  createUser(@Param('orgId', validId) orgId: string, @Body(new ZodValidationPipe(UserCreateBody)) body: z.infer<typeof UserCreateBody>) {
    return this.admin.createUser(orgId, body.displayName);
  }

  @Get('orgs/:orgId/users')
  @ApiOperation({ summary: 'List the users of an org' })
  @ApiOkResponse({ schema: jsonSchema(DirectoryCommands.userList.reply) })
  @ApiErrors(400, 404, 503)
  listUsers(@Param('orgId', validId) orgId: string) {
    return this.admin.listUsers(orgId);
  }

  @Delete('orgs/:orgId/users/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Deactivate a user', description: 'Its live sockets are disconnected and it gets no new tokens.' })
  @ApiNoContentResponse({ description: 'Deactivated.' })
  @ApiErrors(400, 404, 503)
  async deactivateUser(@Param('orgId', validId) orgId: string, @Param('userId', validId) userId: string): Promise<void> {
    await this.admin.deactivateUser(orgId, userId);
  }

  @Post('orgs/:orgId/users/:userId/tokens')
  @ApiOperation({ summary: 'Issue a user token (JWT)', description: 'The user must exist and be active.' })
  @ApiBody({ schema: jsonSchema(TokenRequestBody.unwrap(), 'input'), required: false })
  @ApiCreatedResponse({ schema: jsonSchema(IssuedToken) })
  @ApiErrors(400, 413, 404, 503)
  issueToken(
    @Param('orgId', validId) orgId: string,
    @Param('userId', validId) userId: string,
    @Body(new ZodValidationPipe(TokenRequestBody)) body: z.infer<typeof TokenRequestBody>,
  ) {
    return this.admin.issueToken(orgId, userId, body?.ttlSeconds);
  }

  @Get('orgs/:orgId/conversations')
  @ApiOperation({ summary: 'List the conversations of an org' })
  @ApiOkResponse({ schema: jsonSchema(HistoryCommands.orgConversations.reply) })
  @ApiErrors(400, 404, 503)
  orgConversations(@Param('orgId', validId) orgId: string) {
    return this.admin.orgConversations(orgId);
  }

  @Delete('conversations/:conversationId/messages/:seq')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Redact a message',
    description: 'The body is removed from the store and the caches; history and sync show it with `redacted: true` and an empty body; members get `message.redacted`. Idempotent.',
  })
  @ApiParam({ name: 'seq', schema: { type: 'integer', minimum: 1 } })
  @ApiNoContentResponse({ description: 'Redacted (or already was).' })
  @ApiErrors(400, 404, 503)
  async redactMessage(@Param('conversationId', validId) conversationId: string, @Param('seq', validSeq) seq: number): Promise<void> {
    await this.admin.redactMessage(conversationId, seq);
  }

  @Get('shards')
  @ApiOperation({ summary: 'The shard map, with each physical shard reachability' })
  @ApiOkResponse({ schema: jsonSchema(HistoryCommands.shardStatus.reply) })
  @ApiErrors(503)
  shards() {
    return this.admin.shards();
  }

  @Get('chat/nodes')
  @ApiOperation({
    summary: 'The chat nodes in this gateway hash ring',
    description: 'With `conversationId`, also the node that owns it now (`owner`, null when no node is live).',
  })
  @ApiQuery({ name: 'conversationId', required: false })
  @ApiOkResponse({ schema: jsonSchema(ChatNodes) })
  @ApiErrors(400)
  chatNodes(@Query(new ZodValidationPipe(ChatNodesQuery)) query: z.infer<typeof ChatNodesQuery>) {
    return this.admin.chatNodes(query.conversationId);
  }

  @Get('sessions')
  @ApiOperation({
    summary: 'Live device sessions on every gateway',
    description:
      'From the presence service: one entry per device of a user on a gateway (several sockets of one device on one gateway are one session); ' +
      '`node` is the gateway holding it, `connectedAt` when its first socket there connected. Without `userId`, every session.',
  })
  @ApiQuery({ name: 'userId', required: false })
  @ApiOkResponse({ schema: jsonSchema(PresenceCommands.sessions.reply) })
  @ApiErrors(400, 503)
  sessions(@Query(new ZodValidationPipe(SessionsQuery)) query: z.infer<typeof SessionsQuery>) {
    return this.admin.sessions(query.userId);
  }
}
