import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { GatewayConfig } from '../gateway.config';
import { socketServerOptions } from './socket-server-options';
import { ConnectingEngine, SocketWriteCoalescer } from './socket-write-coalescer';

const logger = new Logger('SocketWrites');

/**
 * Gateway decorators hold static options only; the configured ones (frame cap,
 * Origins) are merged in here when Nest creates the Socket.IO server. Each client's
 * writes of one event-loop turn leave together (SocketWriteCoalescer).
 */
export class ConfiguredIoAdapter extends IoAdapter {
  private readonly writes = new SocketWriteCoalescer((err) => logger.error(`socket flush failed: ${err instanceof Error ? err.message : String(err)}`));

  constructor(
    app: INestApplicationContext,
    private readonly config: Pick<GatewayConfig, 'SOCKET_MAX_FRAME_BYTES' | 'ALLOWED_ORIGINS'>,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, { ...options, ...socketServerOptions(this.config) }) as Server;
    this.writes.attach(server.engine as unknown as ConnectingEngine);
    return server;
  }
}
