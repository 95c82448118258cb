import { Logger } from '@nestjs/common';
import { ChatNodeCommands, ErrorCode, ParleyError } from '@parley/contracts';
import { NatsBus, TransportError } from '@parley/nats';
import { ChatNodeMembership } from './chat-node-membership';
import { ChatRouter } from './chat-router';

describe('ChatRouter', () => {
  const actor = { userId: 'u1', orgId: 'o1', deviceId: 'd1' };
  const payload = (conversationId: string) => ({ actor, input: { conversationId, clientMsgId: 'm1', body: 'hi' } });
  let calls: string[];
  let answer: (nodeId: string, command: string) => unknown;
  let membership: ChatNodeMembership;
  let router: ChatRouter;
  let bus: NatsBus;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    calls = [];
    // A bus whose replies the test decides per node (the real bus is covered by the integration test).
    bus = {
      request: async (contract: { name: string }, _payload: unknown, opts: { nodeId: string }) => {
        calls.push(contract.name === 'probe' ? `probe ${opts.nodeId}` : opts.nodeId);
        return answer(opts.nodeId, contract.name);
      },
    } as unknown as NatsBus;
    membership = new ChatNodeMembership(bus, { CHAT_NODE_TTL_MS: 60_000, NODE_ID: 'gateway-test' });
    router = new ChatRouter(bus, membership, { CHAT_COMMAND_TIMEOUT_MS: 1000 }, 300);
  });

  const heard = (nodeId: string) => membership.heard({ nodeId, startedAt: '' });

  /** A conversation id whose owner is `nodeId` on the current ring. */
  function ownedBy(nodeId: string): string {
    for (let i = 0; ; i++) if (membership.owner(`c${i}`) === nodeId) return `c${i}`;
  }

  it('sends to the owner and returns its reply', async () => {
    heard('a');
    heard('b');
    answer = (nodeId) => ({ servedBy: nodeId });
    await expect(router.send(ChatNodeCommands.messageSend, ownedBy('b'), payload('x'))).resolves.toEqual({ servedBy: 'b' });
    expect(calls).toEqual(['b']);
  });

  it('drops an owner nobody answers for and retries on the next owner', async () => {
    heard('a');
    heard('b');
    const conversationId = ownedBy('a');
    answer = (nodeId) => {
      if (nodeId === 'a') throw new TransportError(ErrorCode.UNAVAILABLE, 'no responders', 'no-responders');
      return { servedBy: nodeId };
    };
    await expect(router.send(ChatNodeCommands.messageSend, conversationId, payload(conversationId))).resolves.toEqual({ servedBy: 'b' });
    expect(calls).toEqual(['a', 'b']);
    expect(membership.nodes).toEqual(['b']);
  });

  it('retries a timed-out owner without dropping it', async () => {
    heard('a');
    let first = true;
    answer = () => {
      if (first) {
        first = false;
        throw new TransportError(ErrorCode.UNAVAILABLE, 'timed out', 'timeout');
      }
      return { ok: 1 };
    };
    await expect(router.send(ChatNodeCommands.messageSend, 'c1', payload('c1'))).resolves.toEqual({ ok: 1 });
    expect(calls).toEqual(['a', 'a']);
    expect(membership.nodes).toEqual(['a']);
  });

  it('passes the owner verdict on without retrying', async () => {
    heard('a');
    answer = () => {
      throw new ParleyError(ErrorCode.FORBIDDEN, 'not a member');
    };
    await expect(router.send(ChatNodeCommands.messageSend, 'c1', payload('c1'))).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(calls).toEqual(['a']);
  });

  it('waits for a node to appear within the budget', async () => {
    answer = (nodeId) => ({ servedBy: nodeId });
    const patient = new ChatRouter(bus, membership, { CHAT_COMMAND_TIMEOUT_MS: 1000 }, 5000);
    setTimeout(() => heard('late'), 100);
    await expect(patient.send(ChatNodeCommands.messageSend, 'c1', payload('c1'))).resolves.toEqual({ servedBy: 'late' });
  });

  it('answers UNAVAILABLE when no node appears within the budget', async () => {
    const started = Date.now();
    await expect(router.send(ChatNodeCommands.messageSend, 'c1', payload('c1'))).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('gives up on a request in flight as soon as its node leaves the ring, and retries on the new owner', async () => {
    heard('a');
    heard('b');
    const conversationId = ownedBy('a');
    answer = (nodeId) => (nodeId === 'a' ? new Promise(() => undefined) : { servedBy: nodeId });
    const patient = new ChatRouter(bus, membership, { CHAT_COMMAND_TIMEOUT_MS: 60_000 }, 5000);
    const sent = patient.send(ChatNodeCommands.messageSend, conversationId, payload(conversationId));
    await new Promise((r) => setTimeout(r, 20));
    membership.suspect('a');
    await expect(sent).resolves.toEqual({ servedBy: 'b' });
    expect(calls).toEqual(['a', 'b']);
  });

  it('probes a node that is slow to answer and moves on at once when nobody is behind its subject', async () => {
    heard('a');
    heard('b');
    const conversationId = ownedBy('a');
    answer = (nodeId, command) => {
      if (nodeId !== 'a') return { servedBy: nodeId };
      if (command === 'probe') throw new TransportError(ErrorCode.UNAVAILABLE, 'no responders', 'no-responders');
      return new Promise(() => undefined); // the node died holding this request
    };
    const patient = new ChatRouter(bus, membership, { CHAT_COMMAND_TIMEOUT_MS: 60_000 }, 5000);
    const started = Date.now();
    await expect(patient.send(ChatNodeCommands.messageSend, conversationId, payload(conversationId))).resolves.toEqual({ servedBy: 'b' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls).toEqual(['a', 'probe a', 'b']);
  });

  it('probes a slow node once, however many requests wait on it', async () => {
    heard('a');
    const conversationId = ownedBy('a');
    let probeAnswered!: () => void;
    answer = (_nodeId, command) => {
      if (command === 'probe') return new Promise((resolve) => (probeAnswered = () => resolve({})));
      return new Promise((resolve) => setTimeout(() => resolve({ servedBy: 'a' }), 400)); // overloaded, alive
    };
    const patient = new ChatRouter(bus, membership, { CHAT_COMMAND_TIMEOUT_MS: 60_000 }, 5000);
    const sends = Array.from({ length: 50 }, () => patient.send(ChatNodeCommands.messageSend, conversationId, payload(conversationId)));
    await new Promise((r) => setTimeout(r, 300));
    expect(calls.filter((c) => c === 'probe a')).toHaveLength(1);
    probeAnswered();
    await expect(Promise.all(sends)).resolves.toHaveLength(50);
    expect(calls.filter((c) => c === 'a')).toHaveLength(50);
    expect(membership.nodes).toEqual(['a']);
  });
});
