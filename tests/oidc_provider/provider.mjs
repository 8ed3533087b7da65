// A real OpenID provider for the login tests: panva's certified oidc-provider on a
// loopback port. Started by the `oidc_provider` fixture (tests/oidc/conftest.py):
//
//   CLIENT_ID=… CLIENT_SECRET=… BASE_URLS=http://testserver,http://127.0.0.1:1234 node provider.mjs
//
// It prints "listening <issuer>" once it answers. Its accounts (below) each log in at
// one assurance level (acr), as ID-porten's MinID (substantial) and BankID (high) do.
// The login page is a plain form without script: pick an account, press the button.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const ACCOUNTS = {
  'kari-hoy': { acr: 'idporten-loa-high', name: 'Kari Høy' },
  'ola-betydelig': { acr: 'idporten-loa-substantial', name: 'Ola Betydelig' },
  'ukjent-person': { acr: 'idporten-loa-high', name: 'Ukjent Person' },
};

const baseUrls = (process.env.BASE_URLS || '').split(',').filter(Boolean);
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' };

function page(title, body) {
  return `<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>${title}</title></head>`
    + `<body><h1>${title}</h1>${body}</body></html>`;
}

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
}

function start(port) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: baseUrls.map((base) => `${base}/konto/oidc/tilbake/`),
      post_logout_redirect_uris: baseUrls.map((base) => `${base}/konto/logg-inn/`),
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [signingKey] },
    acrValues: ['idporten-loa-low', 'idporten-loa-substantial', 'idporten-loa-high'],
    claims: {
      // acr in every ID token, as HelseID and ID-porten put it there.
      acr: null, auth_time: null, sid: null, iss: null, openid: ['sub', 'acr'], profile: ['name'],
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Testleverandør: logg ut', `${form}`
            + '<button type="submit" form="op.logoutForm" value="yes" name="logout">Logg ut</button>');
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Feil', `<pre id="error">${out.error}: ${out.error_description || ''}</pre>`);
    },
    pkce: { required: () => false },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    async findAccount(ctx, id) {
      if (!ACCOUNTS[id]) return undefined;
      return { accountId: id, async claims() { return { sub: id, name: ACCOUNTS[id].name }; } };
    },
    // The test's client is first-party: no consent screen, as HelseID and ID-porten have none.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.proxy = false;

  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (match[2] && ctx.method === 'POST') {
      const form = await readForm(ctx.req);
      const accountId = form.get('account');
      if (!ACCOUNTS[accountId]) {
        ctx.status = 400;
        ctx.body = 'unknown account';
        return undefined;
      }
      const result = { login: { accountId, acr: ACCOUNTS[accountId].acr } };
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result,
        { mergeWithLastSubmission: false }));
      return undefined;
    }
    const options = Object.entries(ACCOUNTS).map(([id, account]) => (
      `<label><input type="radio" name="account" value="${id}"> ${account.name} (${account.acr})</label><br>`
    )).join('');
    ctx.type = 'html';
    ctx.body = page('Testleverandør: logg inn',
      `<form method="post" action="/interaction/${details.uid}/login">${options}`
      + '<button type="submit">Logg inn</button></form>');
    return undefined;
  });

  return provider;
}

// The issuer carries the port, known only once the socket is bound: bind first, then
// hand the requests to the provider made for that port.
const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  server.on('request', start(port).callback());
  console.log(`listening http://127.0.0.1:${port}`);
});
