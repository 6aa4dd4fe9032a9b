// Schema of the policy's `auth` section: who may call which route. Cross-references (a route naming
// an unknown role or provider, an auth entry for a route that does not exist) are checked by
// src/authz/compile-policy.ts, which reports them as diagnostics.
import { z } from 'zod';
import { durationMs } from './duration.ts';

/** Names of providers, consumers and routes: the same alphabet as policy route names. */
const label = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"');

/** Role names; ":" and "/" are allowed so OAuth scopes such as `orders:read` can be roles. */
export const roleName = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'must be letters, digits, ".", "_", ":", "/" or "-"');

/** Asymmetric JWS algorithms only: HMAC would turn a published key into a forging key. */
export const jwsAlgorithm = z.enum([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** HTTP methods a permission may name (kept here, not imported, so policy-schema can import this file). */
const method = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

/** Hosts that may serve JWKS/discovery over plain HTTP: loopback only. */
const loopbackHost = z
  .string()
  .regex(/^(localhost|127(\.\d{1,3}){3}|\[::1\])$/, 'must be a loopback host (localhost, 127.x.x.x or [::1])');

/** Header names Gatehouse sets or reads: lower case, never a pseudo-header. */
const headerName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lower-case header name');

/** A path pattern: literal segments, `*` for one segment, a final `**` for any rest; no dot segments. */
export const pathPattern = z
  .string()
  .regex(/^\/[A-Za-z0-9._~!$&'()+,;=:@*/-]*$/, 'must start with "/" and use only unreserved path characters or "*"')
  .superRefine((p, ctx) => {
    const segments = p.split('/').slice(1);
    segments.forEach((s, i) => {
      if (s === '.' || s === '..') ctx.addIssue({ code: 'custom', message: `dot segment "${s}" is not allowed` });
      else if (s === '' && i < segments.length - 1) ctx.addIssue({ code: 'custom', message: 'empty segment ("//")' });
      else if (s.includes('*') && s !== '*' && s !== '**')
        ctx.addIssue({ code: 'custom', message: `"*" must be a whole segment (got "${s}")` });
      else if (s === '**' && i !== segments.length - 1)
        ctx.addIssue({ code: 'custom', message: '"**" is only allowed as the last segment' });
    });
  });

/** Where a provider's signing keys come from; exactly one of the three. */
export const keySource = z
  .strictObject({
    /** A JWKS URL (https unless the host is listed in `fetch.insecureHttpHosts`). */
    uri: z.url().optional(),
    /** Discover `jwks_uri` from `<issuer>/.well-known/openid-configuration`. */
    discovery: z.literal(true).optional(),
    /** A local JWKS file, re-read on an unknown `kid` like a remote set. */
    file: z.string().min(1).optional(),
  })
  .superRefine((k, ctx) => {
    const set = ['uri', 'discovery', 'file'].filter((f) => k[f as keyof typeof k] !== undefined);
    if (set.length !== 1)
      ctx.addIssue({ code: 'custom', message: `set exactly one of uri, discovery, file (got ${set.length})` });
  });

/** A JWT issuer Gatehouse trusts. */
export const provider = z
  .strictObject({
    /** Exact `iss` value; tokens are matched to providers by it. */
    issuer: z.string().min(1),
    /** Accepted `aud` values; the token must name at least one. */
    audiences: z.array(z.string().min(1)).min(1),
    /** The only algorithms accepted from this issuer (RFC 8725 §3.1). */
    algorithms: z.array(jwsAlgorithm).min(1),
    /** Where the verification keys come from. */
    keys: keySource,
    /** Extra PEM CA file trusted for this issuer's HTTPS endpoints (added to the system roots). */
    caFile: z.string().min(1).optional(),
    /** Required `typ` header, e.g. `at+jwt` (RFC 9068); unset means not checked. */
    typ: z.string().min(1).optional(),
    /** Claim holding roles or scopes: an array of strings or a space-separated string; dots walk objects. */
    rolesClaim: z.string().min(1).default('roles'),
    /** Claim used as the subject header; required in every token. */
    subjectClaim: z.string().min(1).default('sub'),
    /** Allowed clock skew for `exp`, `nbf` and `iat`. */
    clockTolerance: durationMs.default(30_000),
    /** Maximum age since `iat`; makes `iat` required. */
    maxTokenAge: durationMs.optional(),
    /** How long fetched keys are fresh before a background refresh. */
    cacheMaxAge: durationMs.default(600_000),
    /** Minimum time between two fetch attempts (unknown-`kid` refetches and retries after failures). */
    cooldown: durationMs.default(30_000),
    /** How long past `cacheMaxAge` the last good keys serve while the IdP is unreachable; then fail closed. */
    staleWindow: durationMs.default(3_600_000),
  })
  .superRefine((p, ctx) => {
    if (p.clockTolerance > 300_000)
      ctx.addIssue({ code: 'custom', path: ['clockTolerance'], message: 'must be at most 5m' });
    if (p.keys.discovery && !p.issuer.startsWith('https://') && !p.issuer.startsWith('http://'))
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'discovery needs an http(s) issuer URL' });
  });

/** One API key of a consumer, stored only as a digest. */
export const apiKeyEntry = z
  .strictObject({
    /** `sha256:` + hex SHA-256 of the key, as printed by `gatehouse keys create`. */
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 lower-case hex digits'),
    /** Optional label shown in logs and explain output (never the key). */
    id: z.string().max(64).optional(),
    /** The key is refused before this instant (ISO 8601). */
    notBefore: z.iso.datetime({ offset: true }).optional(),
    /** The key is refused from this instant on (ISO 8601). */
    expires: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((k, ctx) => {
    if (k.notBefore && k.expires && Date.parse(k.notBefore) >= Date.parse(k.expires))
      ctx.addIssue({ code: 'custom', path: ['expires'], message: 'must be after notBefore' });
  });

/** A caller identified by API key. */
export const consumer = z.strictObject({
  /** Its keys; several with overlapping validity give rotation, removing one revokes it. */
  keys: z.array(apiKeyEntry).min(1),
  /** Roles the consumer holds. */
  roles: z.array(roleName).default([]),
});

/** One row of the permission matrix; an absent field matches everything. */
export const permission = z.strictObject({
  /** Route names this row applies to. */
  routes: z.array(label).min(1).optional(),
  /** Methods this row allows. */
  methods: z.array(method).min(1).optional(),
  /** Path patterns this row allows, matched against the path Envoy sends (query removed). */
  paths: z.array(pathPattern).min(1).optional(),
});

/** A role and what it may do. */
export const role = z.strictObject({
  /** Any matching row grants the request. */
  permissions: z.array(permission).min(1),
});

/** How a route authenticates and authorizes callers. */
export const routeAuth = z.strictObject({
  /** `none` = public; `jwt`, `api-key`, or `any` of the two. */
  auth: z.enum(['none', 'jwt', 'api-key', 'any']),
  /** The caller needs one of these roles with a permission matching the request; unset = any authenticated caller. */
  roles: z.array(roleName).min(1).optional(),
  /** JWT providers accepted on this route; unset = all. */
  providers: z.array(label).min(1).optional(),
  /** Pass `Authorization` / the API-key header upstream instead of removing them. */
  forwardCredentials: z.boolean().default(false),
});

/** Names of the identity headers Gatehouse sets (and removes when the client sends them). */
export const identityHeaders = z.strictObject({
  /** The JWT subject. */
  subject: headerName.default('x-gatehouse-subject'),
  /** Comma-separated roles the caller holds that the policy defines. */
  roles: headerName.default('x-gatehouse-roles'),
  /** The API-key consumer name. */
  consumer: headerName.default('x-gatehouse-consumer'),
  /** The JWT provider name. */
  provider: headerName.default('x-gatehouse-provider'),
});

/** Limits on JWKS and discovery fetches. */
export const fetchPolicy = z.strictObject({
  /** Whole-request timeout. */
  timeout: durationMs.default(5_000),
  /** Response bodies larger than this are refused. */
  maxBytes: z.number().int().min(1024).max(10_485_760).default(524_288),
  /** Loopback hosts that may be fetched over plain HTTP (development IdPs). */
  insecureHttpHosts: z.array(loopbackHost).default([]),
});

/** The `auth` section of the policy. */
export const authSection = z.strictObject({
  /** Applies to every policy route not listed in `routes`. */
  defaults: routeAuth.default({ auth: 'none', forwardCredentials: false }),
  /** HTTP status for internal failures (keys unavailable, unknown route); never an allow. */
  errorStatus: z.union([z.literal(403), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).default(503),
  /** Realm named in `WWW-Authenticate`. */
  realm: z
    .string()
    .regex(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/, 'must be printable ASCII without quotes or backslashes')
    .default('gatehouse'),
  /** Request header carrying API keys (keys in query strings are not accepted: they leak into logs). */
  apiKeyHeader: headerName.default('x-api-key'),
  /** Tokens longer than this are refused before parsing. */
  maxTokenBytes: z.number().int().min(512).max(65_536).default(8_192),
  /** Verified tokens remembered (bounded also by each token's `exp`). */
  tokenCacheSize: z.number().int().min(0).max(1_000_000).default(10_000),
  /** Identity header names. */
  identityHeaders: identityHeaders.default({
    subject: 'x-gatehouse-subject',
    roles: 'x-gatehouse-roles',
    consumer: 'x-gatehouse-consumer',
    provider: 'x-gatehouse-provider',
  }),
  /** JWKS and discovery fetch limits. */
  fetch: fetchPolicy.default({ timeout: 5_000, maxBytes: 524_288, insecureHttpHosts: [] }),
  /** JWT issuers by name. */
  providers: z.record(label, provider).default({}),
  /** API-key callers by name. */
  consumers: z.record(label, consumer).default({}),
  /** Roles by name. */
  roles: z.record(roleName, role).default({}),
  /** Per-route settings by policy route name. */
  routes: z.record(label, routeAuth).default({}),
});

export type AuthSection = z.output<typeof authSection>;
export type AuthSectionInput = z.input<typeof authSection>;
export type ProviderConfig = z.output<typeof provider>;
export type ConsumerConfig = z.output<typeof consumer>;
export type RoleConfig = z.output<typeof role>;
export type PermissionConfig = z.output<typeof permission>;
export type RouteAuth = z.output<typeof routeAuth>;
export type AuthMode = RouteAuth['auth'];
export type IdentityHeaders = z.output<typeof identityHeaders>;
export type FetchPolicy = z.output<typeof fetchPolicy>;
export type JwsAlgorithm = z.output<typeof jwsAlgorithm>;
