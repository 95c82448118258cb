import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { parsePayload } from '@parley/contracts';

/** Validates a body, param or query with a contract schema; failures are BAD_REQUEST / PAYLOAD_TOO_LARGE. */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    return parsePayload(this.schema, value);
  }
}
