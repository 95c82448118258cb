import { z } from 'zod';
import { ErrorCode, ParleyError } from './errors';

/** Text a client may send: Postgres `text` cannot hold NUL, so it is refused at the edge. */
export function text(field: string) {
  return z.string({ error: `${field} must be a string` }).refine((v) => !v.includes('\u0000'), { error: `${field} must not contain NUL characters` });
}

/**
 * Marks a string field whose excess length is PAYLOAD_TOO_LARGE rather than
 * BAD_REQUEST (the contract distinguishes an empty body from an oversized one).
 */
export function boundedText(min: number, max: number, field: string) {
  return text(field)
    .min(min, { error: `${field} must have at least ${min} character(s)` })
    .superRefine((value, ctx) => {
      if (value.length > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${field} exceeds ${max} characters`,
          params: { errorCode: ErrorCode.PAYLOAD_TOO_LARGE },
        });
      }
    });
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Validates an untrusted payload, throwing a ParleyError with the contract's code. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown): z.infer<S> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const tooLarge = parsed.error.issues.some(
    (issue) => issue.code === 'custom' && (issue as { params?: { errorCode?: string } }).params?.errorCode === ErrorCode.PAYLOAD_TOO_LARGE,
  );
  throw new ParleyError(tooLarge ? ErrorCode.PAYLOAD_TOO_LARGE : ErrorCode.BAD_REQUEST, describeIssues(parsed.error));
}
