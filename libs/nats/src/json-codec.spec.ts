import { decodeJson, encodeJson } from './json-codec';

describe('encodeJson', () => {
  it('writes the bytes TextEncoder writes, lone surrogates, NULs and emoji included', () => {
    const values = [{ body: 'héllo 👋 \u0000 \ud800 end', seq: 12, ids: ['a', 'b'] }, 'x\udfffy', null, [1.5, true], { nested: { deep: ['\u2028'] } }];
    for (const value of values) {
      expect(Buffer.from(encodeJson(value))).toEqual(Buffer.from(new TextEncoder().encode(JSON.stringify(value))));
    }
  });

  it('round-trips through decodeJson', () => {
    const value = { message: { id: 'm1', body: 'ünïcødé 🎉' }, memberIds: ['u1', 'u2'] };
    expect(decodeJson(encodeJson(value))).toEqual(value);
  });
});

describe('decodeJson', () => {
  it('answers undefined for bytes that are not JSON', () => {
    expect(decodeJson(new Uint8Array([0x7b, 0x22]))).toBeUndefined();
  });
});
