import { z } from 'zod';

/**
 * A request/reply command: its subject name and the schemas both sides validate.
 * `scope: 'node'` commands are addressed to one chat node (the conversation's owner);
 * `scope: 'service'` commands go to a queue group of the owning service.
 */
export interface CommandContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly service: ServiceName;
  readonly scope: 'service' | 'node';
  readonly request: Req;
  readonly reply: Res;
}

/** A fact published for whoever listens. `durable` events are captured by the JetStream stream. */
export interface EventContract<P extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly durable: boolean;
  readonly payload: P;
}

export const ServiceName = {
  Gateway: 'gateway',
  Chat: 'chat',
  History: 'history',
  Presence: 'presence',
  Notification: 'notification',
} as const;
export type ServiceName = (typeof ServiceName)[keyof typeof ServiceName];

export type RequestOf<C extends CommandContract> = z.infer<C['request']>;
export type ReplyOf<C extends CommandContract> = z.infer<C['reply']>;
export type PayloadOf<E extends EventContract> = z.infer<E['payload']>;

export function command<Req extends z.ZodType, Res extends z.ZodType>(
  service: ServiceName,
  name: string,
  request: Req,
  reply: Res,
  scope: 'service' | 'node' = 'service',
): CommandContract<Req, Res> {
  return { service, name, request, reply, scope };
}

export function event<P extends z.ZodType>(name: string, payload: P, durable = false): EventContract<P> {
  return { name, payload, durable };
}

/**
 * Subject names, all under a deployment prefix (`NATS_PREFIX`, default `parley`) so
 * that several deployments, or parallel test runs, share one NATS without crosstalk.
 */
export const Subjects = {
  command(prefix: string, contract: CommandContract, nodeId?: string): string {
    if (contract.scope === 'node') {
      if (!nodeId) throw new Error(`command ${contract.name} is node-scoped and needs a node id`);
      return `${prefix}.cmd.${contract.service}.node.${nodeId}.${contract.name}`;
    }
    return `${prefix}.cmd.${contract.service}.${contract.name}`;
  },
  event(prefix: string, contract: EventContract): string {
    return contract.durable ? `${prefix}.evt.durable.${contract.name}` : `${prefix}.evt.${contract.name}`;
  },
  /** Everything the message stream captures. */
  durableEvents(prefix: string): string {
    return `${prefix}.evt.durable.>`;
  },
  streamName(prefix: string): string {
    return `${prefix.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}_MESSAGES`;
  },
};
