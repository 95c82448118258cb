import type * as Swagger from '@nestjs/swagger';

/**
 * @nestjs/swagger's documentation decorators, recorded at class definition and applied only
 * when a document is built (`applyOpenApiDecorators`). Loading @nestjs/swagger (its scanner,
 * explorers and lodash) was an eighth of a service's start; only the gateway serves the
 * document, and it builds it on the first request for it. Same names and arguments as
 * @nestjs/swagger's, applied in the same order, so the document is the same.
 */
type DecoratorName =
  | 'ApiBearerAuth'
  | 'ApiBody'
  | 'ApiCreatedResponse'
  | 'ApiExcludeController'
  | 'ApiNoContentResponse'
  | 'ApiOkResponse'
  | 'ApiOperation'
  | 'ApiParam'
  | 'ApiQuery'
  | 'ApiResponse'
  | 'ApiServiceUnavailableResponse'
  | 'ApiTags';

type AnyDecorator = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => unknown;

interface Recorded {
  name: DecoratorName;
  args: unknown[];
  target: object;
  key?: string | symbol;
  descriptor?: PropertyDescriptor;
}

const recorded: Recorded[] = [];

function deferred<K extends DecoratorName>(name: K): (typeof Swagger)[K] {
  const factory = (...args: unknown[]): AnyDecorator => (target, key, descriptor) => {
    recorded.push({ name, args, target, key, descriptor });
  };
  return factory as unknown as (typeof Swagger)[K];
}

export const ApiBearerAuth = deferred('ApiBearerAuth');
export const ApiBody = deferred('ApiBody');
export const ApiCreatedResponse = deferred('ApiCreatedResponse');
export const ApiExcludeController = deferred('ApiExcludeController');
export const ApiNoContentResponse = deferred('ApiNoContentResponse');
export const ApiOkResponse = deferred('ApiOkResponse');
export const ApiOperation = deferred('ApiOperation');
export const ApiParam = deferred('ApiParam');
export const ApiQuery = deferred('ApiQuery');
export const ApiResponse = deferred('ApiResponse');
export const ApiServiceUnavailableResponse = deferred('ApiServiceUnavailableResponse');
export const ApiTags = deferred('ApiTags');

/** Applies every decorator recorded so far with the real @nestjs/swagger; call before `SwaggerModule.createDocument`. */
export function applyOpenApiDecorators(swagger: typeof Swagger): void {
  for (const { name, args, target, key, descriptor } of recorded.splice(0)) {
    const factory = swagger[name] as unknown as (...args: unknown[]) => AnyDecorator;
    factory(...args)(target, key, descriptor);
  }
}
