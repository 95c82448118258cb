import type { Org, User } from '@parley/contracts';

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
}

/** A thin REST client for the admin and client APIs, as an operator's script would use them. */
export class ParleyHttp {
  constructor(
    readonly baseUrl: string,
    private readonly bearer: string,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown, bearer = this.bearer): Promise<HttpAnswer<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T };
  }

  async expectOk<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.call<T>(method, path, body);
    if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}

/** Factories for the admin side: orgs, users and their tokens. */
export class AdminFactory {
  readonly http: ParleyHttp;

  constructor(baseUrl: string, adminToken: string) {
    this.http = new ParleyHttp(baseUrl, adminToken);
  }

  createOrg(name = 'Acme', shardSpread?: number): Promise<Org> {
    return this.http.expectOk<Org>('POST', '/admin/orgs', shardSpread ? { name, shardSpread } : { name });
  }

  createUser(orgId: string, displayName = 'User'): Promise<User> {
    return this.http.expectOk<User>('POST', `/admin/orgs/${orgId}/users`, { displayName });
  }

  async token(orgId: string, userId: string, ttlSeconds?: number): Promise<string> {
    const answer = await this.http.expectOk<{ token: string }>('POST', `/admin/orgs/${orgId}/users/${userId}/tokens`, ttlSeconds ? { ttlSeconds } : {});
    return answer.token;
  }

  /** An org with `names.length` users, each with a token. */
  async orgWithUsers(names: string[], orgName = 'Acme'): Promise<{ org: Org; users: Array<User & { token: string }> }> {
    const org = await this.createOrg(orgName);
    const users = [];
    for (const name of names) {
      const user = await this.createUser(org.id, name);
      users.push({ ...user, token: await this.token(org.id, user.id) });
    }
    return { org, users };
  }
}
