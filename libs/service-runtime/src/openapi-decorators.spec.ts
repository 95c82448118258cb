import 'reflect-metadata';
import * as swagger from '@nestjs/swagger';
import * as deferred from './openapi-decorators';

/** The same documented controller, decorated with the given set of decorators. */
function documented(api: typeof swagger | typeof deferred) {
  @api.ApiTags('things')
  @api.ApiBearerAuth('user')
  @api.ApiResponse({ status: 401, description: 'no token' })
  class Things {
    @api.ApiOperation({ summary: 'one thing' })
    @api.ApiParam({ name: 'id', description: 'its id' })
    @api.ApiQuery({ name: 'limit', required: false })
    @api.ApiOkResponse({ description: 'the thing' })
    @api.ApiServiceUnavailableResponse({ description: 'later' })
    get(): void {}

    @api.ApiBody({ schema: { type: 'object' } })
    @api.ApiCreatedResponse({ description: 'made' })
    @api.ApiNoContentResponse({ description: 'nothing' })
    make(): void {}
  }

  @api.ApiExcludeController()
  class Hidden {}

  return { Things, Hidden };
}

function metadataOf(target: object): Record<string, unknown> {
  return Object.fromEntries(Reflect.getMetadataKeys(target).map((key: string) => [key, Reflect.getMetadata(key, target)]));
}

describe('deferred OpenAPI decorators', () => {
  it('record nothing until applied, then leave exactly the metadata of @nestjs/swagger’s own', () => {
    const direct = documented(swagger);
    const later = documented(deferred);
    expect(metadataOf(later.Things)).toEqual({});
    expect(metadataOf(later.Things.prototype.get)).toEqual({});

    deferred.applyOpenApiDecorators(swagger);

    expect(metadataOf(later.Things)).toEqual(metadataOf(direct.Things));
    expect(metadataOf(later.Things.prototype.get)).toEqual(metadataOf(direct.Things.prototype.get));
    expect(metadataOf(later.Things.prototype.make)).toEqual(metadataOf(direct.Things.prototype.make));
    expect(metadataOf(later.Hidden)).toEqual(metadataOf(direct.Hidden));
    expect(metadataOf(later.Things.prototype.get)).not.toEqual({});
  });

  it('apply each recorded decorator once', () => {
    const later = documented(deferred);
    deferred.applyOpenApiDecorators(swagger);
    const applied = metadataOf(later.Things.prototype.get);
    deferred.applyOpenApiDecorators(swagger);
    expect(metadataOf(later.Things.prototype.get)).toEqual(applied);
  });
});
