import { Inject, Injectable, Optional } from '@nestjs/common';
import { ChatNodeCommands, CommandContract, ErrorCode, ParleyError, ReplyOf, RequestOf } from '@parley/contracts';
import { NatsBus, TransportError } from '@parley/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { ChatNodeMembership } from './chat-node-membership';

/** How long a node command may keep looking for a live owner before the caller gets UNAVAILABLE. */
export const ROUTE_BUDGET_MS = 8000;
export const CHAT_ROUTE_BUDGET = Symbol('CHAT_ROUTE_BUDGET');

const BACKOFF_MS = [25, 50, 100, 200, 400, 500];
/**
 * A node command not answered within this long makes the gateway ask whether anybody
 * is still behind the node's subject: a node killed mid-request never answers, and
 * NATS says "no responders" at once, long before the command's own timeout.
 */
export const PROBE_AFTER_MS = 250;
const PROBE_TIMEOUT_MS = 500;

/**
 * Sends node-scoped commands to the chat node that owns the conversation. When the
 * owner is gone (nobody behind its subject) or slow, the command is sent again,
 * to whichever node owns the conversation by then: every node command is
 * idempotent (message.send by clientMsgId, membership changes by their result).
 */
@Injectable()
export class ChatRouter {
  /**
   * Nodes with a probe in flight. Under overload every request is slow: one probe at a time
   * per node tells as much as one per request, which would add a request for each.
   */
  private readonly probing = new Set<string>();

  constructor(
    private readonly bus: NatsBus,
    private readonly membership: ChatNodeMembership,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'CHAT_COMMAND_TIMEOUT_MS'>,
    @Optional() @Inject(CHAT_ROUTE_BUDGET) private readonly budgetMs: number = ROUTE_BUDGET_MS,
  ) {}

  async send<C extends CommandContract>(contract: C, conversationId: string, payload: RequestOf<C>): Promise<ReplyOf<C>> {
    const deadline = Date.now() + this.budgetMs;
    let lastFailure: ParleyError | undefined;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw lastFailure ?? new ParleyError(ErrorCode.UNAVAILABLE, 'no chat node is available');
      const nodeId = this.membership.owner(conversationId);
      if (nodeId) {
        try {
          return await this.requestWhileAlive(contract, payload, nodeId, Math.min(remaining, this.config.CHAT_COMMAND_TIMEOUT_MS));
        } catch (err) {
          if (!isRetryable(err)) throw err;
          if (err.reason === 'no-responders') this.membership.suspect(nodeId);
          lastFailure = err;
        }
      }
      await sleep(Math.min(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)], Math.max(0, deadline - Date.now())));
    }
  }

  /** The node's answer, or a retryable failure as soon as the node leaves the ring (e.g. another request found it dead). */
  private requestWhileAlive<C extends CommandContract>(contract: C, payload: RequestOf<C>, nodeId: string, timeoutMs: number): Promise<ReplyOf<C>> {
    return new Promise<ReplyOf<C>>((resolve, reject) => {
      const probe = setTimeout(() => this.probe(nodeId), PROBE_AFTER_MS);
      const stopWaiting = this.membership.onGone(nodeId, () => {
        clearTimeout(probe);
        reject(new TransportError(ErrorCode.UNAVAILABLE, `chat node ${nodeId} left the ring`, 'timeout'));
      });
      this.bus
        .request(contract, payload, { nodeId, timeoutMs })
        .then(resolve, reject)
        .finally(() => {
          clearTimeout(probe);
          stopWaiting();
        });
    });
  }

  /** Nobody behind the subject: the node is gone, and requests waiting on it are retried elsewhere (onGone). */
  private probe(nodeId: string): void {
    if (this.probing.has(nodeId)) return;
    this.probing.add(nodeId);
    this.bus
      .request(ChatNodeCommands.probe, {}, { nodeId, timeoutMs: PROBE_TIMEOUT_MS })
      .catch((err: unknown) => {
        if (err instanceof TransportError && err.reason === 'no-responders') this.membership.suspect(nodeId);
      })
      .finally(() => this.probing.delete(nodeId));
  }
}

/** Only "no answer" is retried; an answer, even an error, is the owner's verdict. */
function isRetryable(err: unknown): err is TransportError {
  return err instanceof TransportError && err.reason !== 'payload';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
