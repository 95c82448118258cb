import { createInbox, JsMsg, Msg, NatsConnection, Subscription } from 'nats';
// The client exports no way to make a JsMsg (ack, nak, term, info) of a message it did not fetch itself.
import { toJsMsg } from 'nats/lib/jetstream/jsmsg';

/**
 * The events waiting for a durable pull consumer, up to `max`, without waiting for more.
 * The Consumer API's fetch keeps its request open for at least a second and is sent each
 * event as it arrives, a socket write and a wake-up of this process per event; a `no_wait`
 * pull is answered with what waits, in one go, and ends.
 *
 * The server answers a `no_wait` pull with what waits and ends it with a 408 status when
 * that was less than `max`, or a 404 when nothing waits. The client's own `fetch` does not
 * wait for that end: it stops when a message says no new events are pending and the
 * iterator holds no other, and drops whatever comes after. Redelivered events all say
 * none is pending, so when a redelivered run reached this process over several socket
 * reads (a loaded machine) all but its first were dropped, out with this consumer until
 * `ack_wait` and each drop counting as a delivery towards `max_deliver`. This reads to the
 * server's end instead.
 *
 * No end within `deadlineMs` means the request or the answer was lost with the connection:
 * what arrived is handed over; with nothing arrived it fails.
 */
export function pullWaiting(connection: NatsConnection, stream: string, durable: string, max: number, deadlineMs: number): Promise<JsMsg[]> {
  return new Promise((resolve, reject) => {
    const msgs: JsMsg[] = [];
    let ended = false;
    let deadline: NodeJS.Timeout | undefined;
    let subscription: Subscription | undefined;
    const finish = (err?: Error) => {
      if (ended) return;
      ended = true;
      clearTimeout(deadline);
      subscription?.unsubscribe();
      if (err && msgs.length === 0) reject(err);
      else resolve(msgs);
    };
    try {
      const inbox = createInbox();
      subscription = connection.subscribe(inbox, {
        callback: (err, msg) => {
          if (ended) return;
          if (err) return finish(err);
          const status = statusOf(msg);
          if (status === 404 || status === 408) return finish();
          if (status !== null) return finish(new Error(`the pull ended with status ${status}: ${msg.headers?.description ?? ''}`));
          msgs.push(toJsMsg(msg));
          if (msgs.length === max) finish();
        },
      });
      deadline = setTimeout(() => finish(new Error(`no answer to a pull within ${deadlineMs} ms`)), deadlineMs);
      connection.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, JSON.stringify({ batch: max, no_wait: true }), { reply: inbox });
    } catch (err) {
      // A closed or draining connection refuses the subscription or the request.
      finish(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** A status message's code (no payload, a status header), or null for an event. */
function statusOf(msg: Msg): number | null {
  return msg.data.length === 0 && msg.headers && msg.headers.code > 0 ? msg.headers.code : null;
}
