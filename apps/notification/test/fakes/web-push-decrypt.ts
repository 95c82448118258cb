import { createDecipheriv, ECDH, hkdfSync } from 'node:crypto';

/**
 * RFC 8291 (Message Encryption for Web Push) over RFC 8188 (aes128gcm), written from the
 * RFCs for the tests so that the provider's encryption is checked independently.
 * Throws with a reason when the body cannot be decrypted.
 */
export function decryptWebPush(body: Buffer, userAgent: ECDH, authSecret: Buffer): Buffer {
  if (body.length < 21) throw new Error('body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body[20];
  const appServerPublic = body.subarray(21, 21 + keyIdLength);
  const ciphertext = body.subarray(21 + keyIdLength);
  if (keyIdLength !== 65) throw new Error(`keyid must be the 65-byte application server key, got ${keyIdLength} bytes`);
  if (ciphertext.length > recordSize) throw new Error('more than one record (web push sends one)');
  if (ciphertext.length < 17) throw new Error('record shorter than its tag');

  const userAgentPublic = userAgent.getPublicKey();
  const ecdhSecret = userAgent.computeSecret(appServerPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), userAgentPublic, appServerPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const contentKey = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));

  const decipher = createDecipheriv('aes-128-gcm', contentKey, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last (only) record ends with the delimiter 0x02 followed by zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('missing the last-record padding delimiter 0x02');
  return padded.subarray(0, end);
}
