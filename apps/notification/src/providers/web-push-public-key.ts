/** Nest token for the VAPID public key browsers subscribe with (null when Web Push is off). */
export const WEB_PUSH_PUBLIC_KEY = Symbol('WEB_PUSH_PUBLIC_KEY');
