import { BEDS24_SIM_CREDENTIALS } from './providers/beds24.ts';
import { CALLBELL_SIM_TOKEN } from './providers/callbell.ts';
import { GHL_SIM_LOCATION, GHL_SIM_TOKEN } from './providers/ghl.ts';
import { MANYCHAT_SIM_KEY } from './providers/manychat.ts';
import { PAYPAL_SIM_CREDENTIALS } from './providers/paypal.ts';
import { SIIGO_SIM_CREDENTIALS } from './providers/siigo.ts';
import { STRIPE_SIM_KEY } from './providers/stripe.ts';

export interface SimProviderEnv {
  /** Name shown to the operator. */
  name: string;
  /** Variables that mean "real credentials are configured" for this provider. */
  credentials: string[];
  /** Variables that point Cauce at provider-sim instead (base URL + credentials the sim accepts). */
  sim: Record<string, string>;
}

/**
 * The one place that knows how to point every Cauce app at provider-sim listening on `base`:
 * the stack launcher, the demo and the soak benchmark all use it.
 */
export function simProviders(base: string): SimProviderEnv[] {
  return [
    {
      name: 'Beds24',
      credentials: ['BEDS24_TOKEN', 'BEDS24_WRITE_REFRESH_TOKEN'],
      sim: { BEDS24_BASE_URL: `${base}/beds24/v2`, BEDS24_TOKEN: BEDS24_SIM_CREDENTIALS.longLifeToken },
    },
    {
      name: 'SIIGO',
      credentials: ['SIIGO_USERNAME', 'SIIGO_ACCESS_KEY'],
      sim: {
        SIIGO_BASE_URL: `${base}/siigo`,
        SIIGO_USERNAME: SIIGO_SIM_CREDENTIALS.username,
        SIIGO_ACCESS_KEY: SIIGO_SIM_CREDENTIALS.accessKey,
      },
    },
    {
      name: 'Bigin Robot API',
      credentials: ['BIGIN_ROBOT_URL'],
      sim: { BIGIN_ROBOT_URL: `${base}/bigin/create-order` },
    },
    {
      name: 'CallBell',
      credentials: ['CALLBELL_API_TOKEN'],
      sim: {
        CALLBELL_BASE_URL: `${base}/callbell/v1`,
        CALLBELL_API_TOKEN: CALLBELL_SIM_TOKEN,
        CALLBELL_ENABLED: 'true',
      },
    },
    {
      name: 'GoHighLevel',
      credentials: ['GHL_TOKEN'],
      sim: { GHL_BASE_URL: `${base}/ghl`, GHL_TOKEN: GHL_SIM_TOKEN, GHL_LOCATION_ID: GHL_SIM_LOCATION },
    },
    {
      name: 'Stripe',
      credentials: ['STRIPE_SECRET_KEY'],
      sim: { STRIPE_BASE_URL: `${base}/stripe`, STRIPE_SECRET_KEY: STRIPE_SIM_KEY },
    },
    {
      name: 'PayPal',
      credentials: ['PAYPAL_CLIENT_ID', 'PAYPAL_CLIENT_SECRET'],
      sim: {
        PAYPAL_BASE_URL: `${base}/paypal`,
        PAYPAL_CLIENT_ID: PAYPAL_SIM_CREDENTIALS.clientId,
        PAYPAL_CLIENT_SECRET: PAYPAL_SIM_CREDENTIALS.clientSecret,
      },
    },
    {
      name: 'ManyChat',
      credentials: ['MANYCHAT_API_KEY'],
      sim: { MANYCHAT_BASE_URL: `${base}/manychat`, MANYCHAT_API_KEY: MANYCHAT_SIM_KEY },
    },
  ];
}

/** Every variable of every provider pointed at the sim (real values already in `env` win). */
export function simEnv(base: string, env: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of simProviders(base)) Object.assign(out, p.sim);
  for (const key of Object.keys(out)) if (env[key]) out[key] = env[key];
  return out;
}
