import type { KubeObject } from './strict-schema';

/**
 * The part of CloudNativePG's `Cluster` CRD (postgresql.cnpg.io/v1, operator 1.24) the
 * manifests rely on: the required fields, and the known keys at the levels we write, so a
 * misspelt key fails here rather than being pruned by the API server. Not the full CRD.
 */
const CLUSTER_SPEC_KEYS = new Set([
  'affinity', 'backup', 'bootstrap', 'certificates', 'description', 'enablePDB', 'enableSuperuserAccess', 'env',
  'envFrom', 'ephemeralVolumeSource', 'ephemeralVolumesSizeLimit', 'externalClusters', 'failoverDelay', 'imageCatalogRef',
  'imageName', 'imagePullPolicy', 'imagePullSecrets', 'inheritedMetadata', 'instances', 'livenessProbeTimeout',
  'logLevel', 'managed', 'maxSyncReplicas', 'minSyncReplicas', 'monitoring', 'nodeMaintenanceWindow', 'plugins',
  'postgresGID', 'postgresUID', 'postgresql', 'primaryUpdateMethod', 'primaryUpdateStrategy', 'priorityClassName',
  'probes', 'projectedVolumeTemplate', 'replica', 'replicationSlots', 'resources', 'schedulerName', 'seccompProfile',
  'serviceAccountTemplate', 'smartShutdownTimeout', 'startDelay', 'stopDelay', 'storage', 'superuserSecret',
  'switchoverDelay', 'tablespaces', 'topologySpreadConstraints', 'walStorage',
]);
const NESTED_KEYS: Record<string, Set<string>> = {
  storage: new Set(['pvcTemplate', 'resizeInUseVolumes', 'size', 'storageClass']),
  walStorage: new Set(['pvcTemplate', 'resizeInUseVolumes', 'size', 'storageClass']),
  bootstrap: new Set(['initdb', 'pg_basebackup', 'recovery']),
  inheritedMetadata: new Set(['annotations', 'labels']),
  managed: new Set(['roles', 'services']),
  affinity: new Set([
    'additionalPodAffinity', 'additionalPodAntiAffinity', 'enablePodAntiAffinity', 'nodeAffinity', 'nodeSelector',
    'podAntiAffinityType', 'tolerations', 'topologyKey',
  ]),
  postgresql: new Set(['enableAlterSystem', 'ldap', 'parameters', 'pg_hba', 'pg_ident', 'promotionTimeout', 'shared_preload_libraries', 'syncReplicaElectionConstraint', 'synchronous']),
  resources: new Set(['claims', 'limits', 'requests']),
};
const INITDB_KEYS = new Set([
  'builtinLocale', 'dataChecksums', 'database', 'encoding', 'icuLocale', 'icuRules', 'import', 'localeCType',
  'localeCollate', 'localeProvider', 'options', 'owner', 'postInitApplicationSQL', 'postInitApplicationSQLRefs',
  'postInitSQL', 'postInitSQLRefs', 'postInitTemplateSQL', 'postInitTemplateSQLRefs', 'secret', 'walSegmentSize',
]);
const ROLE_KEYS = new Set([
  'bypassrls', 'comment', 'connectionLimit', 'createdb', 'createrole', 'disablePassword', 'ensure', 'inRoles', 'inherit',
  'login', 'name', 'passwordSecret', 'replication', 'superuser', 'validUntil',
]);

export function cnpgClusterErrors(cluster: KubeObject): string[] {
  const errors: string[] = [];
  const spec = cluster.spec as Record<string, unknown> | undefined;
  if (cluster.apiVersion !== 'postgresql.cnpg.io/v1') errors.push(`apiVersion ${cluster.apiVersion}`);
  if (!spec) return [...errors, 'spec is required'];
  const unknown = (where: string, value: unknown, keys: Set<string>) => {
    for (const key of Object.keys((value as object) ?? {})) if (!keys.has(key)) errors.push(`${where}.${key}: unknown field`);
  };
  unknown('spec', spec, CLUSTER_SPEC_KEYS);
  for (const [field, keys] of Object.entries(NESTED_KEYS)) if (spec[field] !== undefined) unknown(`spec.${field}`, spec[field], keys);
  if (!Number.isInteger(spec.instances) || (spec.instances as number) < 1) errors.push('spec.instances must be an integer >= 1');
  const storage = spec.storage as { size?: unknown } | undefined;
  if (typeof storage?.size !== 'string') errors.push('spec.storage.size is required');
  const initdb = (spec.bootstrap as { initdb?: Record<string, unknown> } | undefined)?.initdb;
  if (initdb) {
    unknown('spec.bootstrap.initdb', initdb, INITDB_KEYS);
    if ((initdb.database === undefined) !== (initdb.owner === undefined)) errors.push('spec.bootstrap.initdb: database and owner go together');
  }
  const roles = ((spec.managed as { roles?: Array<Record<string, unknown>> } | undefined)?.roles ?? []);
  roles.forEach((role, i) => {
    unknown(`spec.managed.roles[${i}]`, role, ROLE_KEYS);
    if (typeof role.name !== 'string') errors.push(`spec.managed.roles[${i}].name is required`);
  });
  return errors;
}
