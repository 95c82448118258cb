import { GatewayMetadata } from '@nestjs/websockets';

/**
 * Shared by every gateway class: Nest creates one Socket.IO server per namespace,
 * from whichever gateway comes first, so they must all agree. The configured options
 * (frame cap, allowed Origins) are added by ConfiguredIoAdapter.
 */
export const SOCKET_GATEWAY_OPTIONS: GatewayMetadata = { path: '/socket.io' };
