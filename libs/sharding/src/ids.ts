import { randomBytes } from 'node:crypto';

/**
 * Ids carry what routing needs, so no request needs a directory lookup to find its
 * shard: an org id carries its home logical shard and how many shards its
 * conversations spread over; a conversation id carries its logical shard.
 * Clients treat every id as opaque.
 */
const ORG_ID = /^o([0-9a-z]+)x([0-9a-z]+)_[A-Za-z0-9_-]{16}$/;
const CONVERSATION_ID = /^c([0-9a-z]+)_[A-Za-z0-9_-]{16}$/;

function randomPart(): string {
  return randomBytes(12).toString('base64url');
}

export interface OrgPlacement {
  homeShard: number;
  shardSpread: number;
}

export function newOrgId(placement: OrgPlacement): string {
  return `o${placement.homeShard.toString(36)}x${placement.shardSpread.toString(36)}_${randomPart()}`;
}

export function orgPlacement(orgId: string): OrgPlacement | null {
  const m = ORG_ID.exec(orgId);
  if (!m) return null;
  return { homeShard: parseInt(m[1], 36), shardSpread: parseInt(m[2], 36) };
}

export function newConversationId(logicalShard: number): string {
  return `c${logicalShard.toString(36)}_${randomPart()}`;
}

export function conversationShard(conversationId: string): number | null {
  const m = CONVERSATION_ID.exec(conversationId);
  return m ? parseInt(m[1], 36) : null;
}

export function newUserId(): string {
  return `u_${randomPart()}`;
}

export function newMessageId(): string {
  return `m_${randomPart()}`;
}
