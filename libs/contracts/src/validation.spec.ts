import fc from 'fast-check';
import { ConversationCreateInput, HistoryFetchInput, MessageSendInput } from './client-events';
import { ErrorCode, ParleyError } from './errors';
import { parsePayload } from './validation';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof ParleyError ? err.code : 'NOT_A_PARLEY_ERROR';
  }
}

describe('parsePayload', () => {
  const send = { conversationId: 'c1_AAAAAAAAAAAAAAAA', clientMsgId: 'm-1', body: 'hi' };

  it('accepts a valid message.send', () => {
    expect(parsePayload(MessageSendInput, send)).toEqual(send);
  });

  it('answers PAYLOAD_TOO_LARGE for a body over 4000 characters and BAD_REQUEST for an empty one', () => {
    expect(codeOf(() => parsePayload(MessageSendInput, { ...send, body: 'x'.repeat(4001) }))).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(codeOf(() => parsePayload(MessageSendInput, { ...send, body: 'x'.repeat(4000) }))).toBeUndefined();
    expect(codeOf(() => parsePayload(MessageSendInput, { ...send, body: '' }))).toBe(ErrorCode.BAD_REQUEST);
  });

  it('answers BAD_REQUEST for a clientMsgId over 64 characters, unknown fields and wrong types', () => {
    expect(codeOf(() => parsePayload(MessageSendInput, { ...send, clientMsgId: 'x'.repeat(65) }))).toBe(ErrorCode.BAD_REQUEST);
    expect(codeOf(() => parsePayload(MessageSendInput, { ...send, extra: 1 }))).toBe(ErrorCode.BAD_REQUEST);
    expect(codeOf(() => parsePayload(MessageSendInput, { ...send, body: 42 }))).toBe(ErrorCode.BAD_REQUEST);
  });

  it('names the offending field in the message', () => {
    expect(() => parsePayload(ConversationCreateInput, { kind: 'triangle', memberIds: [] })).toThrow(/kind/);
  });

  it('refuses an empty page window', () => {
    expect(codeOf(() => parsePayload(HistoryFetchInput, { conversationId: 'c', afterSeq: 5, beforeSeq: 5 }))).toBe(ErrorCode.BAD_REQUEST);
  });

  it('turns any payload at all into either a value or a contract error, never another exception', () => {
    const schemas = [MessageSendInput, ConversationCreateInput, HistoryFetchInput];
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }), fc.constantFrom(...schemas), (payload, schema) => {
        const code = codeOf(() => parsePayload(schema, payload));
        expect([undefined, ErrorCode.BAD_REQUEST, ErrorCode.PAYLOAD_TOO_LARGE]).toContain(code);
      }),
      { numRuns: 500 },
    );
  });
});

describe('text fields', () => {
  it('refuse NUL characters, which Postgres text cannot store', () => {
    const send = { conversationId: 'c1_AAAAAAAAAAAAAAAA', clientMsgId: 'm-1', body: 'a\u0000b' };
    expect(codeOf(() => parsePayload(MessageSendInput, send))).toBe(ErrorCode.BAD_REQUEST);
    expect(codeOf(() => parsePayload(MessageSendInput, { ...send, body: 'ok', clientMsgId: '\u0000' }))).toBe(ErrorCode.BAD_REQUEST);
    expect(codeOf(() => parsePayload(ConversationCreateInput, { kind: 'group', memberIds: ['u\u0000'] }))).toBe(ErrorCode.BAD_REQUEST);
  });
});
