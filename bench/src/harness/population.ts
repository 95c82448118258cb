import jwt from 'jsonwebtoken';
import { DEV_DEFAULTS } from '@parley/config';
import type { Org } from '@parley/contracts';
import { newUserId } from '@parley/sharding';
import type { ShardedDatabase } from '@parley/store';
import type { ClientSpec } from '../load/bench-client';

export interface BenchUser {
  id: string;
  orgId: string;
  token: string;
}

/**
 * Orgs and users for a scenario. The org goes through the admin API (it picks the org's
 * shard placement); its users are inserted in batches straight into the directory, because
 * 20,000 users through REST would take longer than the measurement, and get tokens signed
 * with the system's secret as the gateway's TokenIssuer signs them.
 */
export class Population {
  constructor(
    private readonly gatewayUrl: string,
    private readonly store: ShardedDatabase,
  ) {}

  async org(name: string, shardSpread = 1): Promise<Org> {
    const res = await fetch(`${this.gatewayUrl}/admin/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEV_DEFAULTS.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, shardSpread }),
    });
    if (res.status !== 201) throw new Error(`POST /admin/orgs answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Org;
  }

  async users(org: Org, count: number): Promise<BenchUser[]> {
    const ids = Array.from({ length: count }, () => newUserId());
    for (let i = 0; i < count; i += 5000) {
      const batch = ids.slice(i, i + 5000);
      await this.store.directory.query(
        `INSERT INTO users (id, org_id, display_name) SELECT u, $1, 'bench ' || u FROM unnest($2::text[]) AS t(u)`,
        [org.id, batch],
      );
    }
    const exp = Math.floor(Date.now() / 1000) + 6 * 3600;
    return ids.map((id) => ({
      id,
      orgId: org.id,
      token: jwt.sign({ org: org.id, exp }, DEV_DEFAULTS.JWT_SECRET, { algorithm: 'HS256', subject: id, issuer: 'parley', audience: 'parley-clients' }),
    }));
  }
}

/** One device per user; `rooms` only matter to the baseline server. */
export function deviceOf(user: { id: string; token: string }, device: string, rooms: string[] = [], localAddress?: string): ClientSpec {
  return { token: user.token, userId: user.id, deviceId: device, rooms, localAddress };
}

/** Users for the bare baseline: it checks no token, so any ids do. */
export function baselineUsers(count: number): BenchUser[] {
  return Array.from({ length: count }, (_, i) => ({ id: `b${i}`, orgId: 'baseline', token: 'none' }));
}
