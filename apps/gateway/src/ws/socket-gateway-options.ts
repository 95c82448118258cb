import { GatewayMetadata } from '@nestjs/websockets';

/**
 * Shared by every gateway class: Nest creates one Socket.IO server per namespace,
 * from whichever gateway comes first, so they must all agree.
 */
export const SOCKET_GATEWAY_OPTIONS: GatewayMetadata = {
  path: '/socket.io',
  cors: { origin: true, credentials: true },
  // Far above the largest valid payload (a 4000-character body); bigger frames close the connection.
  maxHttpBufferSize: 64 * 1024,
};
