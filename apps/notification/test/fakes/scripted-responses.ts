import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** What a fake answers instead of success: a status (with headers/JSON body), or nothing at all (a request that hangs). */
export type ScriptedResponse = { status: number; headers?: Record<string, string>; body?: unknown } | 'no-answer';

/** Responses queued by a test, used one per request in order; when empty the fake succeeds. */
export class ResponseScript {
  private readonly queue: ScriptedResponse[] = [];

  push(...responses: ScriptedResponse[]): void {
    this.queue.push(...responses);
  }

  next(): ScriptedResponse | undefined {
    return this.queue.shift();
  }
}

export interface FakeHttpServer {
  origin: string;
  close(): Promise<void>;
}

/** A plain HTTP server on a free 127.0.0.1 port whose close() also ends hanging requests. */
export async function startFakeHttpServer(handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void): Promise<FakeHttpServer> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function answerJson(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text && { 'content-type': 'application/json' }), ...headers });
  res.end(text);
}

/** Answers with a scripted response; false when there is none (the fake answers success itself). */
export function answerScripted(scripted: ScriptedResponse | undefined, res: ServerResponse): boolean {
  if (scripted === undefined) return false;
  if (scripted !== 'no-answer') answerJson(res, scripted.status, scripted.body, scripted.headers);
  return true;
}
