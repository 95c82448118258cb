import { ClientHttp2Session, connect, constants, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';

export interface Http2Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Requests to one origin over one long-lived HTTP/2 session (APNs asks for connection
 * reuse). A session that closes, errs or is told GOAWAY is dropped; the next request
 * opens a new one. An idle session does not keep the process alive.
 */
export class Http2Origin {
  private session?: ClientHttp2Session;
  private inFlight = 0;

  constructor(readonly origin: string) {}

  /**
   * One request, with a deadline for the whole exchange (connecting included). A stream the
   * server refused (RST_STREAM REFUSED_STREAM, as when the connection was dropped under it)
   * was not processed (RFC 9113 §8.7): it is sent once more, on a new connection if needed.
   */
  async request(headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<Http2Response> {
    try {
      return await this.send(headers, body, timeoutMs);
    } catch (error) {
      if ((error as { refused?: boolean }).refused !== true) throw error;
      return this.send(headers, body, timeoutMs);
    }
  }

  close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session || session.closed || session.destroyed) return Promise.resolve();
    return new Promise((resolve) => session.close(() => resolve()));
  }

  private send(headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<Http2Response> {
    const session = this.openSession();
    let stream: ReturnType<ClientHttp2Session['request']>;
    try {
      stream = session.request(headers);
    } catch (error) {
      // The session was already closing (GOAWAY): nothing was sent.
      this.forget(session);
      return Promise.reject(Object.assign(error as Error, { refused: true }));
    }
    this.track(session, +1);
    return new Promise<Http2Response>((resolve, reject) => {
      const deadline = setTimeout(() => {
        reject(Object.assign(new Error(`no answer from ${this.origin} within ${timeoutMs} ms`), { name: 'TimeoutError' }));
        stream.close(constants.NGHTTP2_CANCEL);
        // A connection that never came up is abandoned rather than waited on by the next pushes.
        if (session.connecting) session.destroy();
      }, timeoutMs);
      const chunks: Buffer[] = [];
      let response: Omit<Http2Response, 'body'> = { status: 0, headers: {} };
      const refused = () => stream.rstCode === constants.NGHTTP2_REFUSED_STREAM;
      stream.on('response', (h) => (response = { status: Number(h[':status']), headers: h }));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ ...response, body: Buffer.concat(chunks).toString('utf8') }));
      stream.on('error', (error) => reject(Object.assign(error, { refused: refused() })));
      // A stream the session closed under it ends with neither 'end' nor 'error'.
      stream.on('close', () => {
        clearTimeout(deadline);
        this.track(session, -1);
        reject(Object.assign(new Error(`stream closed by ${this.origin} (code ${stream.rstCode})`), { refused: refused() }));
      });
      stream.end(body);
    });
  }

  /** The session holds the process open only while it has requests in flight. */
  private track(session: ClientHttp2Session, delta: number): void {
    this.inFlight += delta;
    if (this.inFlight > 0) session.ref();
    else session.unref();
  }

  private forget(session: ClientHttp2Session): void {
    if (this.session === session) this.session = undefined;
  }

  private openSession(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.origin);
    const forget = () => this.forget(session);
    // Errors reach the pending streams; here the session is only forgotten.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    session.unref();
    this.session = session;
    return session;
  }
}
