import { PushNotification } from '../src/providers/push-provider';

export function sampleAlert(overrides: Partial<PushNotification> = {}): PushNotification {
  return {
    kind: 'alert',
    collapseKey: 'conversation:01JC9ZVQ8Y5W3K4T2M6N7P8R9S',
    badge: 3,
    title: 'Ada in #general',
    body: 'Lunch at noon?',
    data: { conversationId: '01JC9ZVQ8Y5W3K4T2M6N7P8R9S', fromSeq: '41', toSeq: '43', count: '3' },
    ttlSeconds: 3600,
    ...overrides,
  };
}

export function sampleClear(overrides: Partial<PushNotification> = {}): PushNotification {
  return {
    kind: 'clear',
    collapseKey: 'conversation:01JC9ZVQ8Y5W3K4T2M6N7P8R9S',
    badge: 0,
    data: { conversationId: '01JC9ZVQ8Y5W3K4T2M6N7P8R9S', readSeq: '43' },
    ttlSeconds: 600,
    ...overrides,
  };
}

/** A port nothing listens on (connections are refused). */
export const REFUSED_ORIGIN = 'http://127.0.0.1:9';
