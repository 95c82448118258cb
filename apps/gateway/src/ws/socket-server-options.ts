import type { IncomingMessage } from 'node:http';
import type { ServerOptions } from 'socket.io';
import { GatewayConfig } from '../gateway.config';

export type OriginPolicy = GatewayConfig['ALLOWED_ORIGINS'];

/**
 * Browsers always send Origin; apps and servers usually send none and are not
 * affected (an Origin check protects browser users from other sites, it does not
 * authenticate anybody: the token does).
 */
export function originAllowed(origin: string | undefined, allowed: OriginPolicy): boolean {
  return origin === undefined || allowed === '*' || allowed.includes(origin);
}

/**
 * The Socket.IO server options that depend on configuration: the frame cap and the
 * Origin allow-list. CORS covers the polling transport in browsers; `allowRequest`
 * is what refuses a WebSocket handshake from another site (WebSockets ignore CORS).
 */
export function socketServerOptions(config: Pick<GatewayConfig, 'SOCKET_MAX_FRAME_BYTES' | 'ALLOWED_ORIGINS'>): Partial<ServerOptions> {
  return {
    maxHttpBufferSize: config.SOCKET_MAX_FRAME_BYTES,
    cors: { origin: config.ALLOWED_ORIGINS === '*' ? true : config.ALLOWED_ORIGINS, credentials: true },
    allowRequest: (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => {
      const allowed = originAllowed(req.headers.origin, config.ALLOWED_ORIGINS);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  };
}
