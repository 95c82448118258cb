import { createServer } from 'node:http';
import { Server, Socket } from 'socket.io';

/**
 * The bare baseline: a minimal Socket.IO server with no persistence, no NATS and no checks,
 * speaking just enough of Parley's events for the same load generators. Each scenario runs
 * against it in the same run, so the ratio to it says how much of the machine's raw Socket.IO
 * capacity Parley keeps, whatever else the shared machine was doing.
 *
 * message.send: acks `{message}` and emits message.new to the conversation's room (the rooms a
 * client named at the handshake). history.fetch: acks an empty page. presence.subscribe: joins
 * the followed users' rooms and acks no states; a socket's connect and disconnect emit `presence`
 * to its user's followers (no grace, no state: one device per user, as the load generators run it).
 */
const port = Number(process.env.BASELINE_PORT ?? 3901);
const http = createServer();
const io = new Server(http, { path: '/socket.io', maxHttpBufferSize: 64 * 1024 });
const seqs = new Map<string, number>();
let ids = 0;

type Ack = (answer: unknown) => void;

const followersOf = (userId: string) => `p:${userId}`;

/** Only users someone follows cost an emit: the other scenarios' connects and closes stay as before. */
function announce(userId: string, status: 'online' | 'offline'): void {
  if (!io.sockets.adapter.rooms.has(followersOf(userId))) return;
  io.to(followersOf(userId)).emit('presence', { userId, status, lastSeenAt: status === 'offline' ? new Date().toISOString() : null });
}

io.on('connection', (socket: Socket) => {
  const auth = (socket.handshake.auth ?? {}) as { userId?: string; rooms?: unknown };
  const senderId = String(auth.userId ?? socket.id);
  if (Array.isArray(auth.rooms)) socket.join(auth.rooms.map(String));
  announce(senderId, 'online');
  socket.on('disconnect', () => announce(senderId, 'offline'));
  socket.on('presence.subscribe', (payload: { userIds: string[] }, ack: Ack) => {
    socket.join(payload.userIds.map(followersOf));
    ack({ ok: true, data: { presences: [] } });
  });
  socket.on('message.send', (payload: { conversationId: string; clientMsgId: string; body: string }, ack: Ack) => {
    const seq = (seqs.get(payload.conversationId) ?? 0) + 1;
    seqs.set(payload.conversationId, seq);
    const message = { id: `m${++ids}`, conversationId: payload.conversationId, seq, senderId, clientMsgId: payload.clientMsgId, body: payload.body, createdAt: new Date().toISOString() };
    ack({ ok: true, data: { message } });
    socket.to(payload.conversationId).emit('message.new', { message });
  });
  socket.on('history.fetch', (_payload: unknown, ack: Ack) => ack({ ok: true, data: { messages: [], hasMore: false } }));
});

http.listen(port, '0.0.0.0', () => process.send?.('ready'));
process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
