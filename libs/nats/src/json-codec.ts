const decoder = new TextDecoder();

/**
 * UTF-8 JSON. Buffer.from encodes a short string in about half the time TextEncoder takes
 * (~250 against ~550 ns for a message event here), with the same bytes: both write a lone
 * surrogate as U+FFFD. Every request, reply and event a service sends goes through here.
 */
export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Undecodable bytes become `undefined`, which the schema then rejects with a clear message. */
export function decodeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
}
