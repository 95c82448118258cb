export * from './fake-apns';
export * from './fake-fcm';
export * from './scripted-responses';
export * from './web-push-receiver';
