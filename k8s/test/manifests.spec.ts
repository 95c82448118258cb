import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { DatabaseEnv, loadConfig, NatsEnv } from '@parley/config';
import { cnpgClusterErrors } from './cnpg-cluster';
import { hasBuiltInModel, KubeObject, schemaErrors, UnknownFieldChecker } from './strict-schema';

/**
 * Renders every overlay with `kubectl kustomize` (CI has kubectl; a missing one fails the
 * suite), validates every object offline and strictly, and checks the invariants the
 * deployment promises: hardened pods, probes on the health endpoints, resources, labels that
 * select what they should, Services and Ingresses that point at real ports, default deny.
 */
const K8S_ROOT = join(__dirname, '..');
const OVERLAYS = ['dev', 'prod'] as const;
const SERVICES = ['gateway', 'chat', 'history', 'presence', 'notification'] as const;

type Pod = {
  metadata?: { labels?: Record<string, string> };
  spec: {
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
    containers: Container[];
    initContainers?: Container[];
    volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string; optional?: boolean } }>;
    automountServiceAccountToken?: boolean;
  };
};
type Probe = { httpGet?: { path: string; port: string | number }; exec?: unknown };
type Container = {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: EnvSource }>;
  envFrom?: Array<{ configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: {
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    privileged?: boolean;
  };
};
type EnvSource = { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
type Workload = KubeObject & { spec: { selector: { matchLabels: Record<string, string> }; template: Pod } };
type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values: string[] }> };
type NetworkPeer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: { cidr: string; except?: string[] } };
type NetworkPolicyRule = { ports?: Array<{ port: number; protocol: string }> };
type NetworkPolicySpec = {
  podSelector: LabelSelector;
  ingress?: Array<NetworkPolicyRule & { from?: NetworkPeer[] }>;
  egress?: Array<NetworkPolicyRule & { to?: NetworkPeer[] }>;
};

function render(overlay: string): KubeObject[] {
  let yaml: string;
  try {
    yaml = execFileSync('kubectl', ['kustomize', join(K8S_ROOT, 'overlays', overlay)], { encoding: 'utf8' });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? 'kubectl is not installed: the manifest tests need `kubectl kustomize`' : `kubectl kustomize ${overlay} failed: ${String(err)}`);
  }
  return (loadAll(yaml) as KubeObject[]).filter(Boolean);
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);
const workloads = (objects: KubeObject[]) => objects.filter((o): o is Workload => WORKLOAD_KINDS.has(o.kind));
const ofKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
/** Whether a label selector (matchLabels and `In` expressions, all the policies use) selects these labels. */
const selects = (selector: LabelSelector, labels: Record<string, string>) =>
  matches(selector.matchLabels ?? {}, labels) &&
  (selector.matchExpressions ?? []).every((e) => {
    if (e.operator !== 'In') throw new Error(`selector operator ${e.operator} is not handled by this test`);
    return e.values.includes(labels[e.key]);
  });
const containersOf = (w: Workload) => [...w.spec.template.spec.containers, ...(w.spec.template.spec.initContainers ?? [])];
const id = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;

/** Names of the Secrets documented in k8s/secrets/example.yaml (what an operator must create). */
const documentedSecrets = new Set(
  (loadAll(readFileSync(join(K8S_ROOT, 'secrets', 'example.yaml'), 'utf8')) as KubeObject[]).map((s) => s.metadata.name),
);

describe.each(OVERLAYS)('k8s overlay %s', (overlay) => {
  let objects: KubeObject[];
  beforeAll(() => {
    objects = render(overlay);
  });

  it('renders objects for every service, NATS and Postgres', () => {
    for (const service of SERVICES) expect(workloads(objects).map((w) => w.metadata.name)).toContain(`parley-${service}`);
    expect(named(objects, 'StatefulSet', 'parley-nats')).toBeDefined();
    expect(named(objects, 'Job', 'parley-migrate')).toBeDefined();
    expect(objects.some((o) => o.metadata.labels?.['parley.dev/role'] === 'postgres' || o.kind === 'Cluster')).toBe(true);
  });

  it('validates every built-in object against its schema, unknown fields included', () => {
    const checker = new UnknownFieldChecker(objects);
    const problems = objects
      .filter(hasBuiltInModel)
      .flatMap((o) => [...schemaErrors(o), ...checker.unknownFields(o)].map((p) => `${id(o)}: ${p}`));
    expect(problems).toEqual([]);
    const unknownKinds = objects.filter((o) => !hasBuiltInModel(o) && o.kind !== 'Cluster').map(id);
    expect(unknownKinds).toEqual([]);
  });

  it('the checks catch a misspelt field and a wrong type', () => {
    const gateway = structuredClone(named(objects, 'Deployment', 'parley-gateway')) as Workload;
    (gateway.spec.template.spec.containers[0] as Record<string, unknown>).readinessprobe = {};
    (gateway.spec.template.spec.securityContext as Record<string, unknown>).runAsNonroot = true;
    expect(new UnknownFieldChecker([gateway]).unknownFields(gateway).sort()).toEqual([
      'Deployment.spec.template.spec.containers[0].readinessprobe: unknown field',
      'Deployment.spec.template.spec.securityContext.runAsNonroot: unknown field',
    ]);
    (gateway.spec as Record<string, unknown>).replicas = 'three';
    expect(schemaErrors(gateway).join()).toMatch(/replicas/);
  });

  it('hardens every pod: non-root, read-only root filesystem, no capabilities, no escalation', () => {
    const problems: string[] = [];
    for (const w of workloads(objects)) {
      const pod = w.spec.template.spec;
      if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${id(w)}: runAsNonRoot`);
      if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${id(w)}: seccompProfile`);
      if (pod.automountServiceAccountToken !== false) problems.push(`${id(w)}: service account token mounted`);
      for (const c of containersOf(w)) {
        const sc = c.securityContext ?? {};
        if (sc.readOnlyRootFilesystem !== true) problems.push(`${id(w)}/${c.name}: readOnlyRootFilesystem`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${id(w)}/${c.name}: allowPrivilegeEscalation`);
        if (!sc.capabilities?.drop?.includes('ALL') || sc.capabilities.add?.length) problems.push(`${id(w)}/${c.name}: capabilities`);
        if (sc.privileged || sc.runAsUser === 0 || pod.securityContext?.runAsUser === 0) problems.push(`${id(w)}/${c.name}: root`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every container cpu and memory requests and limits', () => {
    const missing = workloads(objects).flatMap((w) =>
      containersOf(w).flatMap((c) =>
        ['requests', 'limits'].flatMap((kind) =>
          ['cpu', 'memory'].filter((r) => !c.resources?.[kind as 'requests' | 'limits']?.[r]).map((r) => `${id(w)}/${c.name}: ${kind}.${r}`),
        ),
      ),
    );
    expect(missing).toEqual([]);
  });

  it('probes every long-running container; Parley services on /health/live and /health/ready of a declared port', () => {
    const problems: string[] = [];
    for (const w of workloads(objects).filter((w) => w.kind !== 'Job')) {
      for (const c of w.spec.template.spec.containers) {
        if (!c.livenessProbe || !c.readinessProbe) problems.push(`${id(w)}/${c.name}: probes`);
        for (const probe of [c.livenessProbe, c.readinessProbe]) {
          const port = probe?.httpGet?.port;
          if (port !== undefined && !c.ports?.some((p) => p.name === port || p.containerPort === port)) problems.push(`${id(w)}/${c.name}: probe port ${port}`);
        }
      }
    }
    for (const service of SERVICES) {
      const w = workloads(objects).find((o) => o.metadata.name === `parley-${service}`)!;
      const c = w.spec.template.spec.containers[0];
      expect([c.livenessProbe?.httpGet?.path, c.readinessProbe?.httpGet?.path]).toEqual(['/health/live', '/health/ready']);
    }
    expect(problems).toEqual([]);
  });

  it('selectors match their pod templates and every label a service needs', () => {
    for (const w of workloads(objects).filter((w) => w.kind !== 'Job')) {
      expect({ [id(w)]: matches(w.spec.selector.matchLabels, w.spec.template.metadata?.labels) }).toEqual({ [id(w)]: true });
      expect(w.spec.template.metadata?.labels?.['app.kubernetes.io/name']).toBe(w.metadata.name);
    }
  });

  it('points every Service at pods with the named target port, and every Ingress at a Service port', () => {
    const problems: string[] = [];
    for (const svc of ofKind(objects, 'Service')) {
      const spec = svc.spec as { selector: Record<string, string>; ports: Array<{ name: string; targetPort: string | number }> };
      const backends = workloads(objects).filter((w) => matches(spec.selector, w.spec.template.metadata?.labels));
      if (backends.length === 0) problems.push(`${id(svc)}: selects no pods`);
      for (const w of backends) {
        const ports = w.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
        for (const p of spec.ports) {
          if (!ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort)) problems.push(`${id(svc)}: ${p.targetPort} not on ${id(w)}`);
        }
      }
    }
    for (const ing of ofKind(objects, 'Ingress')) {
      const rules = (ing.spec as { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name?: string } } } }> } }> }).rules;
      for (const { backend } of rules.flatMap((r) => r.http.paths)) {
        const svc = named(objects, 'Service', backend.service.name);
        const ports = (svc?.spec as { ports: Array<{ name: string }> } | undefined)?.ports ?? [];
        if (!ports.some((p) => p.name === backend.service.port.name)) problems.push(`${id(ing)}: ${backend.service.name}:${backend.service.port.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps cookie affinity and websocket timeouts on the gateway Ingress', () => {
    const annotations = named(objects, 'Ingress', 'parley-gateway')!.metadata.annotations!;
    expect(annotations['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
  });

  it('references only ConfigMaps it ships and Secrets it ships or documents', () => {
    const configMaps = new Set(ofKind(objects, 'ConfigMap').map((c) => c.metadata.name));
    const secrets = new Set([...ofKind(objects, 'Secret').map((s) => s.metadata.name), ...documentedSecrets]);
    const problems: string[] = [];
    for (const w of workloads(objects)) {
      for (const c of containersOf(w)) {
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef && !configMaps.has(from.configMapRef.name)) problems.push(`${id(w)}: configmap ${from.configMapRef.name}`);
          if (from.secretRef && !from.secretRef.optional && !secrets.has(from.secretRef.name)) problems.push(`${id(w)}: secret ${from.secretRef.name}`);
        }
        for (const e of c.env ?? []) {
          if (e.valueFrom?.secretKeyRef && !secrets.has(e.valueFrom.secretKeyRef.name)) problems.push(`${id(w)}: secret ${e.valueFrom.secretKeyRef.name}`);
          const keyRef = e.valueFrom?.configMapKeyRef;
          const data = keyRef && (named(objects, 'ConfigMap', keyRef.name)?.data as Record<string, string> | undefined);
          if (keyRef && data?.[keyRef.key] === undefined) problems.push(`${id(w)}: configmap key ${keyRef.name}/${keyRef.key}`);
        }
      }
      for (const v of w.spec.template.spec.volumes ?? []) {
        if (v.configMap && !configMaps.has(v.configMap.name)) problems.push(`${id(w)}: configmap volume ${v.configMap.name}`);
        if (v.secret && !v.secret.optional && !secrets.has(v.secret.secretName)) problems.push(`${id(w)}: secret volume ${v.secret.secretName}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('ships no real secret values in prod', () => {
    if (overlay === 'prod') expect(ofKind(objects, 'Secret')).toEqual([]);
  });

  it('gives chat nodes stable ring identities: a StatefulSet with NODE_ID = pod name', () => {
    const chat = named(objects, 'StatefulSet', 'parley-chat') as Workload;
    expect(chat).toBeDefined();
    const nodeId = chat.spec.template.spec.containers[0].env?.find((e) => e.name === 'NODE_ID');
    expect(nodeId?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
  });

  it('has a shard map the services accept, naming a database for every physical shard', () => {
    const map = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('parley-shard-map'))!.data as Record<string, string>;
    const config = loadConfig(DatabaseEnv, map);
    expect(config.SHARD_DATABASE_URLS.length).toBeGreaterThan(0);
    const shared = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('parley-config'))!.data as Record<string, string>;
    expect(() => loadConfig(NatsEnv, shared)).not.toThrow();
    const hosts = [config.DIRECTORY_DATABASE_URL, ...config.SHARD_DATABASE_URLS.map((s) => s.url)].map((url) => new URL(url).hostname);
    const clusters = ofKind(objects, 'Cluster').map((c) => `${c.metadata.name}-rw`);
    const services = ofKind(objects, 'Service').map((s) => s.metadata.name);
    for (const host of hosts) expect([...clusters, ...services]).toContain(host);
    // Passwords never sit in the map: they come from the parley-postgres-app Secret.
    for (const url of [config.DIRECTORY_DATABASE_URL, ...config.SHARD_DATABASE_URLS.map((s) => s.url)]) expect(new URL(url).password).toBe('');
  });

  it('runs the services as the non-owner database role and only the migration job as the owner', () => {
    const userSecret = (name: string) =>
      workloads(objects)
        .find((w) => w.metadata.name === name)!
        .spec.template.spec.containers[0].env?.find((e) => e.name === 'PGUSER')
        ?.valueFrom?.secretKeyRef?.name.replace(/-[a-z0-9]{10}$/, ''); // kustomize's generated-name suffix
    expect(['parley-chat', 'parley-history', 'parley-notification'].map(userSecret)).toEqual(Array(3).fill('parley-postgres-app'));
    expect(userSecret('parley-migrate')).toBe('parley-postgres-owner');
  });

  it('lets exactly the workloads given a database reach Postgres, out and in', () => {
    const fromShardMap = (name = '') => name.startsWith('parley-shard-map');
    const usesDatabase = (w: Workload) =>
      containersOf(w).some(
        (c) => c.envFrom?.some((f) => fromShardMap(f.configMapRef?.name)) || c.env?.some((e) => fromShardMap(e.valueFrom?.configMapKeyRef?.name)),
      );
    const clients = workloads(objects).filter(usesDatabase).map((w) => w.spec.template.metadata!.labels!['app.kubernetes.io/component']);
    expect(clients.sort()).toEqual(['chat', 'history', 'migrate', 'notification']);
    const policy = (name: string) => named(objects, 'NetworkPolicy', name)!.spec as NetworkPolicySpec;
    const components = (selector: LabelSelector) => selector.matchExpressions!.find((e) => e.key === 'app.kubernetes.io/component')!.values.sort();
    expect(components(policy('database-clients-to-postgres').podSelector)).toEqual(clients);
    const ingress = policy('postgres-from-database-clients').ingress!;
    expect(ingress.map((rule) => [components(rule.from![0].podSelector!), rule.ports])).toEqual([[clients, [{ port: 5432, protocol: 'TCP' }]]]);
  });

  it('gives notification the directory (not the shards) as parley_app, and the parley-push Secret optionally', () => {
    const notification = named(objects, 'Deployment', 'parley-notification') as Workload;
    const c = notification.spec.template.spec.containers[0];
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.valueFrom]));
    expect(env.DIRECTORY_DATABASE_URL?.configMapKeyRef?.key).toBe('DIRECTORY_DATABASE_URL');
    expect(env.PGPASSWORD?.secretKeyRef?.name).toMatch(/^parley-postgres-app/);
    expect(c.envFrom?.some((f) => f.configMapRef?.name.startsWith('parley-shard-map'))).toBe(false);
    expect(c.envFrom).toContainEqual({ secretRef: { name: 'parley-push', optional: true } });
    expect(documentedSecrets).toContain('parley-push');
  });

  it('lets notification out to push services on 443 only, to any public address', () => {
    const labels = (named(objects, 'Deployment', 'parley-notification') as Workload).spec.template.metadata!.labels!;
    const internet = ofKind(objects, 'NetworkPolicy')
      .map((p) => p.spec as NetworkPolicySpec)
      .filter((p) => selects(p.podSelector, labels))
      .flatMap((p) => p.egress ?? [])
      .filter((rule) => rule.to?.some((peer) => peer.ipBlock) ?? true);
    expect(internet.map((rule) => rule.ports)).toEqual([[{ port: 443, protocol: 'TCP' }]]);
    expect(internet[0].to!.map((peer) => peer.ipBlock!.cidr)).toEqual(['0.0.0.0/0', '::/0']);
  });

  it('denies all traffic by default, in and out', () => {
    const policies = ofKind(objects, 'NetworkPolicy').map((p) => p.spec as Record<string, unknown>);
    const denyAll = policies.find(
      (p) => Object.keys(p.podSelector as object).length === 0 && !p.ingress && !p.egress && String(p.policyTypes) === 'Ingress,Egress',
    );
    expect(denyAll).toBeDefined();
  });

  it('scales and protects services in prod: HPA and PDB targets exist', () => {
    if (overlay !== 'prod') return;
    for (const hpa of ofKind(objects, 'HorizontalPodAutoscaler')) {
      const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      expect(named(objects, target.kind, target.name)).toBeDefined();
    }
    const budgets = ofKind(objects, 'PodDisruptionBudget');
    for (const service of [...SERVICES, 'nats']) {
      const w = workloads(objects).find((o) => o.metadata.name === `parley-${service}`)!;
      expect(budgets.some((b) => matches((b.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, w.spec.template.metadata?.labels))).toBe(true);
    }
  });

  it('runs CloudNativePG clusters for the directory and every shard in prod, and a 3-node NATS', () => {
    if (overlay !== 'prod') return;
    const clusters = ofKind(objects, 'Cluster');
    expect(clusters.flatMap((c) => cnpgClusterErrors(c).map((e) => `${id(c)}: ${e}`))).toEqual([]);
    const map = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('parley-shard-map'))!.data as Record<string, string>;
    const shards = loadConfig(DatabaseEnv, map).SHARD_DATABASE_URLS.map((s) => `parley-${s.id}`);
    expect(clusters.map((c) => c.metadata.name).sort()).toEqual(['parley-directory', ...shards].sort());
    expect((named(objects, 'StatefulSet', 'parley-nats') as Workload & { spec: { replicas: number } }).spec.replicas).toBe(3);
    const natsConf = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('parley-nats-config'))!.data as Record<string, string>;
    expect(natsConf['nats.conf']).toMatch(/cluster \{[\s\S]*parley-nats-2\.parley-nats-headless:6222/);
  });
});
