import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { GatewayConfig } from '../gateway.config';
import { socketServerOptions } from './socket-server-options';

/**
 * Gateway decorators hold static options only; the configured ones (frame cap,
 * Origins) are merged in here when Nest creates the Socket.IO server.
 */
export class ConfiguredIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: Pick<GatewayConfig, 'SOCKET_MAX_FRAME_BYTES' | 'ALLOWED_ORIGINS'>,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, { ...options, ...socketServerOptions(this.config) });
  }
}
