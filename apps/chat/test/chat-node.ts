import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@parley/config';
import { TEST_NATS_URL } from '@parley/testing';
import { ChatAppModule } from '../src/app.module';
import { ChatConfigSchema } from '../src/chat.config';

/** Boots one chat node in this process, as `main.ts` would, minus the HTTP listener. */
export async function startChatNode(nodeId: string, env: { prefix: string; databaseEnv: Record<string, string> }): Promise<INestApplicationContext> {
  const config = loadConfig(ChatConfigSchema, {
    ...env.databaseEnv,
    NODE_ENV: 'test',
    NATS_URL: TEST_NATS_URL,
    NATS_PREFIX: env.prefix,
    NODE_ID: nodeId,
    CHAT_HEARTBEAT_MS: '200',
  });
  return NestFactory.createApplicationContext(ChatAppModule.forRoot(config), { logger: ['error'] });
}
