import { ClientHttp2Session, connect, constants, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';

export interface Http2Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Requests to one origin over one long-lived HTTP/2 session (APNs asks for connection
 * reuse). A session that closes, errs or is told GOAWAY is dropped; the next request
 * opens a new one. The session does not keep the process alive.
 */
export class Http2Origin {
  private session?: ClientHttp2Session;

  constructor(readonly origin: string) {}

  /**
   * One request. A stream the server refused (RST_STREAM REFUSED_STREAM, as when the
   * connection was dropped under it) was not processed (RFC 9113 §8.7): it is sent once
   * more (on a new connection if that one is gone).
   */
  async request(headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<Http2Response> {
    try {
      return await this.send(headers, body, timeoutMs);
    } catch (error) {
      if ((error as { refused?: boolean }).refused !== true) throw error;
      return this.send(headers, body, timeoutMs);
    }
  }

  private send(headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<Http2Response> {
    return new Promise((resolve, reject) => {
      let stream;
      try {
        stream = this.openSession().request(headers);
      } catch (error) {
        // The session was closing (GOAWAY received): nothing was sent.
        this.session = undefined;
        reject(Object.assign(error as Error, { refused: true }));
        return;
      }
      const chunks: Buffer[] = [];
      let status = 0;
      let responseHeaders: IncomingHttpHeaders = {};
      // A deadline for the whole exchange, connecting included (a stream timeout only measures idleness).
      const deadline = setTimeout(() => {
        reject(Object.assign(new Error(`no answer from ${this.origin} within ${timeoutMs} ms`), { name: 'TimeoutError' }));
        stream.close(constants.NGHTTP2_CANCEL);
      }, timeoutMs);
      stream.on('close', () => clearTimeout(deadline));
      stream.on('response', (h) => {
        responseHeaders = h;
        status = Number(h[':status']);
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') }));
      const refused = () => stream.rstCode === constants.NGHTTP2_REFUSED_STREAM;
      stream.on('error', (error) => reject(Object.assign(error, { refused: refused() })));
      // A stream the session closed under it ends with neither 'end' nor 'error'.
      stream.on('close', () => reject(Object.assign(new Error(`stream closed by ${this.origin} (code ${stream.rstCode})`), { refused: refused() })));
      stream.end(body);
    });
  }

  close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session || session.closed || session.destroyed) return Promise.resolve();
    return new Promise((resolve) => session.close(() => resolve()));
  }

  private openSession(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.origin);
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    // Errors reach the pending streams; here the session is only forgotten.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    session.unref();
    this.session = session;
    return session;
  }
}
