import { applyDecorators, INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { ERROR_CODES } from '@parley/contracts';
import { ApiResponse, applyOpenApiDecorators } from '@parley/service-runtime';

export const ADMIN_AUTH = 'admin';
export const USER_AUTH = 'user';

/** A contract schema as OpenAPI schema, so the docs cannot drift from the validation. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): SchemaObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest as SchemaObject;
}

const ErrorResponse = z.object({
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), retryAfterMs: z.int().positive().optional().describe('RATE_LIMITED only') }),
});

const ERROR_MEANING: Record<number, string> = {
  400: 'Invalid input (code BAD_REQUEST).',
  401: 'Missing or invalid credentials (code UNAUTHORIZED).',
  403: 'Not allowed (code FORBIDDEN).',
  404: 'Unknown id (code NOT_FOUND).',
  413: 'Request body too large (code PAYLOAD_TOO_LARGE).',
  429: 'Over a rate limit (code RATE_LIMITED); the Retry-After header says how many seconds to wait.',
  501: 'Not available yet (code UNAVAILABLE).',
  503: 'A backend service is unavailable (code UNAVAILABLE).',
};

/** Documents the error answers of an endpoint, all in the `{error: {code, message}}` shape. */
export function ApiErrors(...statuses: Array<keyof typeof ERROR_MEANING>) {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: ERROR_MEANING[status], schema: jsonSchema(ErrorResponse) })),
  );
}

type Middleware = (req: { url: string }, res: unknown, next: (err?: unknown) => void) => void;

/** The paths SwaggerModule serves below: the UI and its assets, the JSON and the YAML document. */
function isDocsPath(url: string): boolean {
  const path = url.split('?', 1)[0].toLowerCase().replace(/\/$/, '');
  return path === '/docs' || path.startsWith('/docs/') || path === '/docs-json' || path === '/docs-yaml';
}

/**
 * Serves the OpenAPI document at /docs (UI) and /docs-json (and /docs-yaml). @nestjs/swagger is
 * loaded, and the document built, on the first request for them: loading it was an eighth of the
 * gateway's start, which a restarted gateway's clients wait for. SwaggerModule registers its
 * routes on an express app of their own, which this middleware (in the place the routes had)
 * hands the docs requests to.
 */
export function setupOpenApi(app: INestApplication): void {
  const docs = new ExpressAdapter();
  let docsReady: Promise<void> | undefined;
  const handOver: Middleware = (req, res, next) => {
    if (!isDocsPath(req.url)) return next();
    docsReady ??= serveDocs(app, docs);
    docsReady.then(() => docs.getInstance<Middleware>()(req, res, next), next);
  };
  app.use(handOver);
}

async function serveDocs(app: INestApplication, docs: ExpressAdapter): Promise<void> {
  const swagger = await import('@nestjs/swagger');
  applyOpenApiDecorators(swagger);
  const config = new swagger.DocumentBuilder()
    .setTitle('Parley gateway')
    .setDescription('Admin and client REST API of Parley. Real-time traffic uses Socket.IO on the same port (see docs/protocol.md).')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, ADMIN_AUTH)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'a user token from POST /admin/orgs/{orgId}/users/{userId}/tokens' }, USER_AUTH)
    .build();
  const document = swagger.SwaggerModule.createDocument(app, config);
  // The application as SwaggerModule sees it, with its routes and static assets going to `docs`.
  const routedToDocs = Object.create(app, {
    getHttpAdapter: { value: () => docs },
    useStaticAssets: { value: (path: string, options: object) => docs.useStaticAssets(path, options) },
  }) as INestApplication;
  swagger.SwaggerModule.setup('docs', routedToDocs, document, { jsonDocumentUrl: 'docs-json' });
}
