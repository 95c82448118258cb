import { EventEmitter } from 'node:events';
import { of } from 'rxjs';
import { onClientEvent } from './lean-io.adapter';

/** A socket whose incoming events are EventEmitter events; what the server emits back is recorded. */
class FakeSocket extends EventEmitter {
  readonly sent: unknown[][] = [];
  receive(event: string, ...args: unknown[]): void {
    super.emit(event, ...args);
  }
  override emit(event: string, ...args: unknown[]): boolean {
    this.sent.push([event, ...args]);
    return true;
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('onClientEvent', () => {
  it('hands the payload to the handler and its resolved result to the ack', async () => {
    const socket = new FakeSocket();
    const seen: unknown[] = [];
    onClientEvent(socket, 'e', (data) => {
      seen.push(data);
      return Promise.resolve({ ok: true });
    });
    const ack = jest.fn();
    socket.receive('e', { a: 1 }, ack);
    await settle();
    expect(seen).toEqual([{ a: 1 }]);
    expect(ack).toHaveBeenCalledWith({ ok: true });
  });

  it('reads a lone function as the ack with no payload, and several arguments as an array', async () => {
    const socket = new FakeSocket();
    const seen: unknown[] = [];
    onClientEvent(socket, 'e', (data) => {
      seen.push(data);
      return 'done';
    });
    const ack = jest.fn();
    socket.receive('e', ack);
    socket.receive('e', 1, 2, ack);
    await settle();
    expect(seen).toEqual([undefined, [1, 2]]);
    expect(ack).toHaveBeenCalledTimes(2);
  });

  it('emits a reply that names an event, sends nothing for null, and leaves a manually handled ack alone', async () => {
    const socket = new FakeSocket();
    onClientEvent(socket, 'named', () => of({ event: 'pong', data: 7 }));
    onClientEvent(socket, 'nothing', () => null);
    onClientEvent(socket, 'manual', () => ({ ok: true }), true);
    const ack = jest.fn();
    socket.receive('named', {}, ack);
    socket.receive('nothing', {}, ack);
    socket.receive('manual', {}, ack);
    await settle();
    expect(socket.sent).toEqual([['pong', 7]]);
    expect(ack).not.toHaveBeenCalled();
  });
});
