import { Logger } from '@nestjs/common';
import { ChatNodeHeartbeat, ChatNodeRollCall, PayloadOf } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { ChatNodeMembership } from './chat-node-membership';

type Heartbeat = PayloadOf<typeof ChatNodeHeartbeat>;

describe('ChatNodeMembership', () => {
  const TTL = 3000;
  let deliver: (heartbeat: Heartbeat) => void;
  let membership: ChatNodeMembership;
  let publish: jest.Mock;
  const beat = (nodeId: string, leaving?: boolean) => deliver({ nodeId, startedAt: new Date(0).toISOString(), leaving });

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    jest.useFakeTimers();
    // Captures the heartbeat handler the membership registers (the bus itself is exercised by the integration test).
    publish = jest.fn().mockResolvedValue(undefined);
    const bus = { subscribe: (_contract: unknown, handler: (h: Heartbeat) => void) => (deliver = handler), publish } as unknown as NatsBus;
    membership = new ChatNodeMembership(bus, { CHAT_NODE_TTL_MS: TTL, NODE_ID: 'gateway-7' });
    membership.onModuleInit();
  });

  afterEach(() => {
    membership.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('asks the chat nodes for their heartbeat at start instead of waiting for the next one', () => {
    expect(publish).toHaveBeenCalledWith(ChatNodeRollCall, { gatewayId: 'gateway-7' });
  });

  it('adds a node on its first heartbeat', () => {
    expect(membership.owner('c1')).toBeNull();
    beat('chat-0');
    expect(membership.nodes).toEqual(['chat-0']);
    expect(membership.owner('c1')).toBe('chat-0');
  });

  it('keeps a node that keeps beating and drops it after the TTL of silence', () => {
    beat('chat-0');
    beat('chat-1');
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(1000);
      beat('chat-0');
    }
    expect(membership.nodes).toEqual(['chat-0']);
    jest.advanceTimersByTime(TTL - 1000);
    expect(membership.nodes).toEqual(['chat-0']);
    jest.advanceTimersByTime(1000 + 500);
    expect(membership.nodes).toEqual([]);
  });

  it('drops a leaving node at once', () => {
    beat('chat-0');
    beat('chat-1');
    beat('chat-1', true);
    expect(membership.nodes).toEqual(['chat-0']);
  });

  it('drops a suspect node until its next heartbeat', () => {
    beat('chat-0');
    beat('chat-1');
    membership.suspect('chat-1');
    expect(membership.nodes).toEqual(['chat-0']);
    jest.advanceTimersByTime(TTL * 2);
    beat('chat-1');
    expect(membership.nodes).toEqual(['chat-1']);
  });
});
