import { AlertFacts, composeAlert, composeClear, MAX_PREVIEW_LENGTH, previewOf } from './notification-composer';

const facts = (overrides: Partial<AlertFacts> = {}): AlertFacts => ({
  conversationId: 'c1',
  orgId: 'o1',
  firstSeq: 4,
  lastSeq: 6,
  count: 3,
  senderNames: ['Ana'],
  preview: 'see you at noon',
  badge: 7,
  ...overrides,
});
const preview = { content: 'preview' as const, appName: 'Parley', ttlSeconds: 60 };
const generic = { ...preview, content: 'generic' as const };

describe('notification composer', () => {
  it('collapses a burst: "3 new messages from Ana", with the badge, collapse key and seq range', () => {
    expect(composeAlert(facts(), preview)).toEqual({
      kind: 'alert',
      collapseKey: 'c1',
      badge: 7,
      title: 'Ana',
      body: '3 new messages from Ana',
      data: { type: 'message', orgId: 'o1', conversationId: 'c1', firstSeq: '4', lastSeq: '6', count: '3' },
      ttlSeconds: 60,
    });
  });

  it('shows a single message preview under the sender, newest senders first', () => {
    expect(composeAlert(facts({ count: 1, senderNames: ['Bo', 'Ana'] }), preview)).toMatchObject({ title: 'Ana and Bo', body: 'see you at noon' });
    expect(composeAlert(facts({ senderNames: ['Cy', 'Di', 'Bo', 'Ana'] }), preview).title).toBe('Ana, Bo and 2 others');
  });

  it('keeps names and text off the lock screen in generic mode', () => {
    expect(composeAlert(facts(), generic)).toMatchObject({ title: 'Parley', body: '3 new messages' });
    expect(composeAlert(facts({ count: 1 }), generic)).toMatchObject({ title: 'Parley', body: 'New message' });
  });

  it('says "New message" for a single message whose preview is gone (redacted)', () => {
    expect(composeAlert(facts({ count: 1, preview: null }), preview).body).toBe('New message');
  });

  it('a clear carries no text, only the badge and the collapse key', () => {
    expect(composeClear('c1', 0, 60)).toEqual({ kind: 'clear', collapseKey: 'c1', badge: 0, data: { type: 'clear', conversationId: 'c1' }, ttlSeconds: 60 });
  });

  it('cuts previews to what a lock screen shows, on one line', () => {
    expect(previewOf('a\n\n b')).toBe('a b');
    const long = previewOf('x'.repeat(500));
    expect(long).toHaveLength(MAX_PREVIEW_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});
