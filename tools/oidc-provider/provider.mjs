// A real OpenID Connect provider for the tests: panva's oidc-provider (OpenID Certified),
// configured from a JSON file as a national e-ID broker would be (HelseID's security
// profile: pushed authorization requests, PKCE, private_key_jwt client assertions valid at
// most 60 seconds and used once, DPoP-bound tokens). People sign in on the provider's own
// development login page with their account id; their claims come from the file.
//
//   node provider.mjs config.json   ->  prints "listening <issuer>" once it answers
//
// config.json: { "issuer": "http://127.0.0.1:PORT", "port": PORT, "clients": [...],
//   "accounts": { "<account id>": { "<claim>": value, ... } },
//   "scopes": { "<scope>": ["<claim>", ...] }, "acr": "<assurance level of every login>",
//   "requirePar": true, "maxAssertionSeconds": 60 }
import { readFileSync } from 'node:fs';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const maxAssertionSeconds = config.maxAssertionSeconds ?? 60;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  clientAuthMethods: ['private_key_jwt'],
  // The client's assertion is short-lived and fresh: issued no more than the profile's
  // limit ago, expiring no later than that after it was issued (its jti once only is the
  // provider's own replay check).
  assertJwtClientAuthClaimsAndHeader(ctx, claims) {
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.iat !== 'number' || claims.exp - claims.iat > maxAssertionSeconds
        || now - claims.iat > maxAssertionSeconds) {
      throw new errors.InvalidClientAuth('client assertion is valid for too long or too old');
    }
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    pushedAuthorizationRequests: {
      enabled: true,
      requirePushedAuthorizationRequests: config.requirePar ?? true,
    },
    dPoP: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  // The identity claims travel in the ID token, as the brokers send them.
  conformIdTokenClaims: false,
  scopes: ['openid', ...Object.keys(config.scopes ?? {})],
  claims: { openid: ['sub'], ...(config.scopes ?? {}) },
  acrValues: config.acr ? [config.acr] : undefined,
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  async loadExistingGrant(ctx) {
    // Consent is the patient's business with the broker, not part of these tests: every
    // client is granted the scopes it asked for.
    const grant = new provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    await grant.save();
    return grant;
  },
  extraParams: [],
  ttl: { Session: 600, Interaction: 600, Grant: 600, AuthorizationCode: 60 },
});

if (config.acr) {
  // Every login here is at the broker's one assurance level.
  const { Session } = provider;
  const original = Session.prototype.loginAccount;
  Session.prototype.loginAccount = function loginAccount(details) {
    return original.call(this, { ...details, acr: config.acr });
  };
}

provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${config.issuer}\n`);
});
