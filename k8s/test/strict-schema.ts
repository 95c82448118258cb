import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import * as ts from 'typescript';

/**
 * Offline validation of rendered Kubernetes objects against the API's schemas, strictly.
 *
 * kubernetes-models' `validate()` (compiled from the OpenAPI schemas) checks types, required
 * fields and formats, but lets unknown fields through, as the API server's non-strict mode
 * does. A misspelt field (`readinessprobe`, `runAsNonroot`) would then be dropped silently by
 * the cluster. The unknown-field check here walks each object along the model's TypeScript
 * declarations, which kubernetes-models generates from the same schemas: every key must be a
 * declared property (or sit under a map type such as `labels`).
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const MODELS_ROOT = dirname(require.resolve('kubernetes-models/package.json'));

function modelPath(object: KubeObject): string {
  return join(MODELS_ROOT, object.apiVersion, object.kind);
}

export function hasBuiltInModel(object: KubeObject): boolean {
  return existsSync(`${modelPath(object)}.d.ts`);
}

/** Type, required-field and format errors from kubernetes-models (AJV over the OpenAPI schema). */
export function schemaErrors(object: KubeObject): string[] {
  // The model's module is chosen from the object's kind at run time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(modelPath(object)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[object.kind];
  try {
    new Model(object).validate();
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}

/** Unknown fields of objects whose kinds kubernetes-models knows. One TypeScript program for all. */
export class UnknownFieldChecker {
  private readonly program: ts.Program;
  private readonly checker: ts.TypeChecker;

  constructor(objects: readonly KubeObject[]) {
    const roots = [...new Set(objects.filter(hasBuiltInModel).map((o) => `${modelPath(o)}.d.ts`))];
    this.program = ts.createProgram(roots, { strict: true, noEmit: true, skipLibCheck: true, types: [] });
    this.checker = this.program.getTypeChecker();
  }

  unknownFields(object: KubeObject): string[] {
    const file = this.program.getSourceFile(`${modelPath(object)}.d.ts`);
    const declaration = file?.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `I${object.kind}`,
    );
    if (!declaration) return [`no model declaration for ${object.apiVersion} ${object.kind}`];
    const problems: string[] = [];
    this.walk(object, this.checker.getTypeAtLocation(declaration.name), object.kind, problems);
    return problems;
  }

  private walk(value: unknown, declared: ts.Type, path: string, problems: string[]): void {
    if (value === null || typeof value !== 'object') return; // scalars: schemaErrors() checks them
    const type = this.checker.getNonNullableType(declared);
    if (type.isUnion()) {
      const shapes = type.types.filter((t) => (t.flags & ts.TypeFlags.Object) !== 0);
      // Of several object shapes, the value must fit one without unknown fields.
      const attempts = shapes.map((shape) => {
        const found: string[] = [];
        this.walk(value, shape, path, found);
        return found;
      });
      if (attempts.length > 0 && attempts.every((a) => a.length > 0)) problems.push(...attempts[0]);
      return;
    }
    if (Array.isArray(value)) {
      if (!this.checker.isArrayType(type)) return void problems.push(`${path}: a list where the schema has an object`);
      const [element] = this.checker.getTypeArguments(type as ts.TypeReference);
      value.forEach((item, i) => this.walk(item, element, `${path}[${i}]`, problems));
      return;
    }
    const mapValues = this.checker.getIndexTypeOfType(type, ts.IndexKind.String);
    for (const [key, child] of Object.entries(value)) {
      const property = this.checker.getPropertyOfType(type, key);
      if (property) this.walk(child, this.checker.getTypeOfSymbol(property), `${path}.${key}`, problems);
      else if (mapValues) this.walk(child, mapValues, `${path}.${key}`, problems);
      else problems.push(`${path}.${key}: unknown field`);
    }
  }
}
