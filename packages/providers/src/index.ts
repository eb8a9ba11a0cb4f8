export * as beds24 from './beds24/index.ts';
export * as bigin from './bigin/index.ts';
export * as callbell from './callbell/index.ts';
export * as ghl from './ghl/index.ts';
export * as manychat from './manychat/index.ts';
export * as paypal from './paypal/index.ts';
export * as siigo from './siigo/index.ts';
export * as stripe from './stripe/index.ts';
export * from './webhook-auth.ts';
