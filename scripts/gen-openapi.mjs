// Generates src/api/assets/openapi.json from the route list below (API.md sections 1-3).
// Usage: node scripts/gen-openapi.mjs src/api/assets/openapi.json
// Usage: node gen.mjs <output path>
import { writeFileSync } from 'node:fs';

const ref = (name) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (t, extra = {}) => ({ type: [t, 'null'], ...extra });
const str = (description, extra = {}) => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const arrOf = (items, extra = {}) => ({ type: 'array', items, ...extra });
const obj = (properties, required = Object.keys(properties), extra = {}) => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
  ...extra,
});
const closed = (properties, required, extra = {}) => obj(properties, required, { additionalProperties: false, ...extra });

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const TENANT_PATTERN = '^[a-z][a-z0-9_]*$';

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

const schemas = {
  Uuid: str('Lower-case hyphenated UUID (version 4 or 7). Upper-case hex is accepted on input.', {
    format: 'uuid',
    pattern: UUID_PATTERN,
  }),
  Timestamp: str('RFC 3339 date-time. Output is UTC with `Z` and exactly six fractional digits.', {
    format: 'date-time',
    examples: ['2026-11-27T13:35:00.123456Z'],
  }),
  Token: str('Opaque token: 32 random bytes, base64url without padding (43 characters).', {
    pattern: '^[A-Za-z0-9_-]{43}$',
  }),
  TenantId: str('Tenant id: lower snake_case, at most 63 characters.', {
    pattern: TENANT_PATTERN,
    maxLength: 63,
    examples: ['acme'],
  }),
  Error: closed(
    {
      error: str('Machine-readable error code.', {
        enum: [
          'bad_request',
          'unauthorized',
          'forbidden',
          'access_expired',
          'not_found',
          'method_not_allowed',
          'conflict',
          'payload_too_large',
          'unsupported_media_type',
          'validation_error',
          'invalid_filter',
          'account_locked',
          'rate_limited',
          'internal_error',
          'bad_gateway',
        ],
      }),
      message: str('Human-readable message: the prefix of the code followed by the detail.', {
        examples: ['Unauthorized: Invalid email or password'],
      }),
    },
    ['error', 'message'],
    { description: 'The error envelope of every error answer.' },
  ),
  Message: closed({ message: str() }, ['message'], { description: 'A confirmation message.' }),
  Health: closed(
    {
      status: str('`ok` when the store answers, `unavailable` otherwise.', { enum: ['ok', 'unavailable'] }),
      version: str('The server semantic version.', { examples: ['1.4.2'] }),
    },
    ['status', 'version'],
  ),
  User: closed(
    {
      id: { ...ref('Uuid'), description: 'Membership id (the `userId` of every admin route).' },
      identityId: { ...ref('Uuid'), description: 'The global identity behind this membership.' },
      firstName: nullable('string'),
      lastName: nullable('string'),
      email: nullable('string', { description: 'As stored (original case).' }),
      emailVerified: { type: 'boolean' },
      username: nullable('string', { description: 'Per-tenant username.' }),
      mobile: nullable('string'),
      countryCode: nullable('string', { description: 'With a leading `+`.' }),
      status: str('Membership status.', { enum: ['active', 'invited', 'archived'] }),
      mfaEnabled: { type: 'boolean', description: 'True only once enrolment is verified.' },
      isArchived: { type: 'boolean', description: '`status == "archived"`.' },
      accessValidUntil: { oneOf: [ref('Timestamp'), { type: 'null' }] },
      createdAt: ref('Timestamp'),
      updatedAt: ref('Timestamp'),
    },
    undefined,
    {
      description:
        'A membership (an identity in one tenant) joined with its identity. While `invited`, the names are null and only the handles the admin typed are shown.',
    },
  ),
  Role: closed(
    {
      id: ref('Uuid'),
      name: str(),
      uid: str('Write-once slug of the name, unique per tenant.', { examples: ['admin_user'] }),
      parentRoleId: { oneOf: [ref('Uuid'), { type: 'null' }] },
    },
    undefined,
  ),
  Group: closed(
    {
      id: ref('Uuid'),
      name: str(),
      uid: str('Slug of the name, unique per tenant.'),
      description: nullable('string'),
    },
    undefined,
  ),
  ConditionValue: {
    description: 'A string, a signed 64-bit integer, a boolean, or an array of these.',
    oneOf: [
      { type: 'string' },
      { type: 'integer' },
      { type: 'boolean' },
      arrOf({ type: ['string', 'integer', 'boolean'] }),
    ],
  },
  Condition: obj(
    {
      attribute: str('`context.<path>` or `principal.<name>`.', { examples: ['context.amount'] }),
      operator: str(undefined, {
        enum: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'startsWith', 'exists'],
      }),
      value: ref('ConditionValue'),
    },
    ['attribute', 'operator', 'value'],
  ),
  Statement: closed(
    {
      sid: str('Statement id, unique within the document.', { minLength: 1, maxLength: 128 }),
      effect: str(undefined, { enum: ['Allow', 'Deny'] }),
      principals: arrOf(str(undefined, { examples: ['role:editor'] }), {
        description: '`*`, `role:<uid>`, `group:<uid>` or `user:<membership uuid>`.',
      }),
      actions: arrOf(str(undefined, { examples: ['get*'] }), {
        description: 'Action names; a trailing `*` is a prefix wildcard.',
      }),
      resources: arrOf(str(undefined, { examples: ['service:core/package:mfg/table:materials'] }), {
        description: '`*` or a path of `<type>:<id>` segments (service, package, table, column).',
      }),
      conditions: arrOf(ref('Condition')),
    },
    ['sid', 'effect', 'principals', 'actions', 'resources', 'conditions'],
  ),
  Document: closed(
    {
      version: str('Stored as given; not interpreted.', { examples: ['1.0'] }),
      statements: arrOf(ref('Statement')),
    },
    ['version', 'statements'],
    { description: 'A permission document as returned: canonical effects, sids and conditions always present.' },
  ),
  StatementInput: obj(
    {
      sid: nullable('string', {
        minLength: 1,
        maxLength: 128,
        description: 'Defaults to `Statement<n>` (1-based position).',
      }),
      effect: str('`allow` or `deny`, case-insensitive.', { examples: ['Allow'] }),
      principals: arrOf({ type: 'string' }, {
        description: '`*`, `role:<uid or name>`, `group:<uid>`, `user:<uuid, email or username>`.',
      }),
      actions: arrOf({ type: 'string' }),
      resources: arrOf({ type: 'string' }),
      conditions: { type: ['array', 'null'], items: ref('Condition'), description: 'Defaults to `[]`.' },
    },
    ['effect', 'principals', 'actions', 'resources'],
  ),
  DocumentInput: obj(
    { version: str(), statements: arrOf(ref('StatementInput')) },
    ['version', 'statements'],
    { description: 'A permission document as sent. Principals are resolved when the permission is stored.' },
  ),
  Permission: closed(
    {
      id: ref('Uuid'),
      name: str(),
      description: nullable('string'),
      document: ref('Document'),
    },
    undefined,
  ),
  Tenant: closed(
    {
      id: ref('TenantId'),
      name: str('Unique across the server.'),
      status: str(undefined, { enum: ['active', 'suspended'] }),
      createdAt: ref('Timestamp'),
    },
    undefined,
  ),
  TenantMembership: closed(
    {
      tenantId: ref('TenantId'),
      status: str('The membership status.', { examples: ['active'] }),
    },
    undefined,
  ),
  KvEntry: closed(
    {
      groupKey: str(),
      key: str(),
      value: str('Always a string; `********` for secret groups.'),
    },
    undefined,
  ),
  PackageInfo: closed(
    {
      packageId: str(),
      tables: arrOf({ type: 'string' }, { description: 'Sorted by byte order.' }),
      actions: arrOf({ type: 'string' }, { description: 'Sorted by byte order.' }),
    },
    undefined,
  ),
  LoginSuccess: closed(
    { sessionToken: ref('Token'), expiresAt: ref('Timestamp') },
    undefined,
    { description: 'Logged in: a session token and its effective expiry.' },
  ),
  MfaRequired: closed(
    { mfaRequired: { const: true }, mfaToken: ref('Token') },
    undefined,
    { description: 'MFA challenge: send a TOTP or backup code with this token to `POST /mfa/validate`.' },
  ),
  PasswordChangeRequired: closed(
    { passwordChangeRequired: { const: true }, changeToken: ref('Token') },
    undefined,
    { description: 'Forced change: send a new password to `POST /session/force-change-password`.' },
  ),
  LoginResult: {
    description: 'Exactly one of three shapes: a session, an MFA challenge, or a forced password change.',
    oneOf: [ref('LoginSuccess'), ref('MfaRequired'), ref('PasswordChangeRequired')],
  },
  LoginResultAfterMfa: {
    description: 'A session, or a forced password change. Never an MFA challenge.',
    oneOf: [ref('LoginSuccess'), ref('PasswordChangeRequired')],
  },
  MembershipAccepted: closed(
    {
      id: { ...ref('Uuid'), description: 'Membership id.' },
      tenantId: ref('TenantId'),
      status: str('Membership status.', { examples: ['active'] }),
    },
    undefined,
  ),
  IdentityLogin: closed(
    {
      identityToken: { ...ref('Token'), description: 'Identity token, valid 10 minutes, reusable.' },
      tenants: arrOf(ref('TenantMembership')),
    },
    undefined,
  ),
  TenantMembershipList: closed({ tenants: arrOf(ref('TenantMembership')) }, undefined),
  SessionTenants: closed(
    { currentTenantId: ref('TenantId'), tenants: arrOf(ref('TenantMembership')) },
    undefined,
  ),
  SessionInfo: closed(
    {
      tenantId: ref('TenantId'),
      userId: { ...ref('Uuid'), description: 'Membership id.' },
      identityId: ref('Uuid'),
      roles: arrOf({ type: 'string' }, { description: 'Effective role uids, sorted, distinct.' }),
      permissions: arrOf({ type: 'string' }, { description: 'Names of the permissions of the effective roles.' }),
      expiresAt: ref('Timestamp'),
    },
    undefined,
  ),
  Me: closed(
    {
      userId: ref('Uuid'),
      identityId: ref('Uuid'),
      roles: arrOf({ type: 'string' }),
      permissions: arrOf({ type: 'string' }),
      expiresAt: ref('Timestamp'),
      user: ref('User'),
    },
    undefined,
  ),
  Ok: closed({ ok: { const: true } }, undefined),
  SessionsRevoked: closed(
    { ok: { const: true }, sessionsRevoked: { type: 'integer', minimum: 0 } },
    undefined,
  ),
  Availability: closed(
    { available: { type: 'boolean', description: '`true` when the value is not taken.' } },
    undefined,
  ),
  MfaEnrolment: closed(
    {
      secret: str('Base32 secret (32 characters).', { pattern: '^[A-Z2-7]{32}$' }),
      otpauthUri: str('`otpauth://totp/...` URI for authenticator apps.'),
      qrSvg: str('Complete SVG document of the QR code of the URI.'),
    },
    undefined,
  ),
  MfaEnabled: closed(
    {
      mfaEnabled: { const: true },
      backupCodes: arrOf(str(undefined, { examples: ['k7m2p-x9q4r'] }), {
        minItems: 10,
        maxItems: 10,
        description: 'Ten single-use backup codes, shown only this once.',
      }),
    },
    undefined,
  ),
  MfaDisabled: closed({ mfaEnabled: { const: false } }, undefined),
  UserList: closed({ users: arrOf(ref('User')) }, undefined),
  RoleList: closed({ roles: arrOf(ref('Role')) }, undefined),
  RoleAncestors: closed(
    { ancestors: arrOf(ref('Role'), { description: 'Root first, direct parent last.' }) },
    undefined,
  ),
  GroupList: closed({ groups: arrOf(ref('Group')) }, undefined),
  PermissionList: closed({ permissions: arrOf(ref('Permission')) }, undefined),
  PackageList: closed({ packages: arrOf(ref('PackageInfo')) }, undefined),
  TenantList: closed({ tenants: arrOf(ref('Tenant')) }, undefined),
  KvEntryList: arrOf(ref('KvEntry'), { description: 'Sorted by `groupKey`, then `key`.' }),
  MatchedStatement: closed(
    {
      permissionId: ref('Uuid'),
      permission: str('Permission name.'),
      sid: str(),
      effect: str(undefined, { enum: ['Allow', 'Deny'] }),
    },
    undefined,
  ),
  CheckDecision: closed(
    {
      resource: str('As sent.'),
      action: str('As sent.'),
      allowed: { type: 'boolean' },
      matched: arrOf(ref('MatchedStatement'), { description: 'Only with `explain: true`.' }),
    },
    ['resource', 'action', 'allowed'],
    { description: 'The answer when `action` was given.' },
  ),
  CheckDecisions: closed(
    {
      resource: str('As sent.'),
      decisions: {
        type: 'object',
        additionalProperties: { type: 'boolean' },
        description: 'One decision per registered action in scope.',
      },
      matchedByAction: {
        type: 'object',
        additionalProperties: arrOf(ref('MatchedStatement')),
        description: 'Only with `explain: true`.',
      },
    },
    ['resource', 'decisions'],
    { description: 'The answer when `action` was omitted.' },
  ),
  CheckResult: { oneOf: [ref('CheckDecision'), ref('CheckDecisions')] },
  PackageSyncSummary: closed(
    {
      message: str(undefined, { examples: ['Package synced and Cedar schema rebuilt'] }),
      packageId: str(),
      tables: { type: 'integer', minimum: 0, description: 'Number of elements sent.' },
      extensibleTables: { type: 'integer', minimum: 0 },
      customActions: { type: 'integer', minimum: 0 },
    },
    undefined,
  ),
};

// Request bodies. Optional fields accept null (it means "absent").
const opt = (s) => {
  if (s.$ref) return { oneOf: [s, { type: 'null' }] };
  const t = Array.isArray(s.type) ? s.type : [s.type];
  return { ...s, type: [...t, 'null'] };
};
const S = { type: 'string' };
const B = { type: 'boolean' };
const bodies = {
  SignupRequest: obj(
    {
      firstName: S,
      lastName: S,
      email: S,
      password: S,
      retypePassword: S,
      mobile: opt(str('4-14 digits.')),
      countryCode: opt(str('`+` optional, 1-4 digits.', { examples: ['+91'] })),
    },
    ['firstName', 'lastName', 'email', 'password', 'retypePassword'],
  ),
  TokenRequest: obj({ token: S }),
  EmailPasswordRequest: obj({ email: S, password: S }),
  UsernamePasswordRequest: obj({ username: S, password: S }),
  EmailRequest: obj({ email: S }),
  UsernameRequest: obj({ username: S }),
  MobileRequest: obj({ mobile: S, countryCode: S }),
  OtpVerifyRequest: obj({
    identifier: str('Email, E.164 number, or the bare mobile number.'),
    code: str('6 digits.'),
    channel: str(undefined, { enum: ['email', 'sms', 'whatsapp'] }),
  }),
  TenantIdRequest: obj({ tenantId: str('Target tenant id (not format-checked).') }),
  ChangePasswordRequest: obj({ currentPassword: S, newPassword: S, retypePassword: S }),
  ForceChangePasswordRequest: obj({ changeToken: S, newPassword: S, retypePassword: S }),
  ResetPasswordRequest: obj({ token: S, newPassword: S, retypePassword: S }),
  CodeRequest: obj({ code: str('A TOTP code, or (where accepted) a backup code.') }),
  CreateUserRequest: obj(
    {
      firstName: opt(S),
      lastName: opt(S),
      email: opt(S),
      username: opt(S),
      mobile: opt(S),
      countryCode: opt(S),
      password: opt(S),
      retypePassword: opt(S),
    },
    [],
    { description: 'At least one of email, (mobile and countryCode), or username.' },
  ),
  RoleIdRequest: obj({ roleId: ref('Uuid') }),
  UserIdRequest: obj({ userId: ref('Uuid') }),
  PermissionIdRequest: obj({ permissionId: ref('Uuid') }),
  AdminResetPasswordRequest: obj(
    { newPassword: S, retypePassword: S, forcePasswordChange: opt({ ...B, default: false }) },
    ['newPassword', 'retypePassword'],
  ),
  AccessValidityRequest: obj(
    {
      accessValidUntil: {
        oneOf: [ref('Timestamp'), { type: 'null' }],
        description: 'Null or absent clears the limit.',
      },
    },
    [],
  ),
  CreateRoleRequest: obj({ name: S, parentRoleId: opt(ref('Uuid')) }, ['name']),
  RoleParentRequest: obj(
    { parentRoleId: { oneOf: [ref('Uuid'), { type: 'null' }], description: 'Null or absent makes the role a root.' } },
    [],
  ),
  CreateGroupRequest: obj({ name: S, description: opt(str(undefined, { maxLength: 1024 })) }, ['name']),
  CreatePermissionRequest: obj(
    {
      name: str(undefined, { maxLength: 255 }),
      description: opt(S),
      document: ref('DocumentInput'),
      overwrite: opt({ ...B, default: false, description: 'Replace an existing permission of this name in place.' }),
    },
    ['name', 'document'],
  ),
  CheckPermissionRequest: obj(
    {
      userId: { ...ref('Uuid'), description: 'A membership of the tenant.' },
      resource: str('A concrete resource path (not `*`).'),
      action: opt(str('Without it, every registered action in scope is decided.')),
      context: {
        type: ['object', 'null'],
        description: 'Strings, integers, booleans, arrays and objects only.',
      },
      explain: opt({ ...B, default: false }),
    },
    ['userId', 'resource'],
  ),
  PackageSyncRequest: obj(
    {
      packageId: str(undefined, { pattern: '^[A-Za-z0-9_.-]{1,128}$' }),
      tables: arrOf(str(undefined, { pattern: '^[A-Za-z0-9_-]{1,128}$' })),
      extensibleTables: opt(arrOf(str(undefined, { pattern: '^[A-Za-z0-9_-]{1,128}$' }), { default: [] })),
      customActions: opt(arrOf(str(undefined, { pattern: '^[A-Za-z0-9_.:-]{1,128}$' }), { default: [] })),
    },
    ['packageId', 'tables'],
  ),
  KvValueRequest: obj({ value: str('At most 65536 bytes. Reserved groups require their JSON shape.') }),
  CreateTenantRequest: obj(
    {
      id: ref('TenantId'),
      name: opt(str('Defaults to the id with `_` replaced by a space.', { maxLength: 255 })),
      adminEmail: opt(str('Creates (or reuses) this account and gives it the Admin role.')),
      adminPassword: opt(str('Required with `adminEmail`.')),
    },
    ['id'],
  ),
  UpdateTenantRequest: obj({ status: str(undefined, { enum: ['active', 'suspended'] }) }),
};
Object.assign(schemas, bodies);

// ---------------------------------------------------------------------------------------------
// Parameters and shared responses
// ---------------------------------------------------------------------------------------------

const uuidParam = (name, what) => ({
  name,
  in: 'path',
  required: true,
  description: `${what} id (UUID).`,
  schema: ref('Uuid'),
});
const parameters = {
  TenantHeader: {
    name: 'X-Tenant-ID',
    in: 'header',
    required: true,
    description: 'The tenant of the request (lower snake_case).',
    schema: ref('TenantId'),
  },
  TenantHeaderOptional: {
    name: 'X-Tenant-ID',
    in: 'header',
    required: false,
    description: 'The tenant; alternatively the `tenant` query parameter, else `DEFAULT_TENANT_ID`.',
    schema: ref('TenantId'),
  },
  userId: uuidParam('userId', 'Membership'),
  roleId: uuidParam('roleId', 'Role'),
  groupId: uuidParam('groupId', 'Group'),
  permissionId: uuidParam('permissionId', 'Permission'),
  provider: {
    name: 'provider',
    in: 'path',
    required: true,
    description: 'OAuth provider name (`google`, `microsoft`, `github`, or a configured OIDC provider).',
    schema: str(undefined, { pattern: '^[a-z][a-z0-9_-]{0,31}$' }),
  },
  groupKey: {
    name: 'groupKey',
    in: 'path',
    required: true,
    description: 'KV group.',
    schema: str(undefined, { pattern: '^[A-Za-z0-9_.-]{1,128}$' }),
  },
  key: {
    name: 'key',
    in: 'path',
    required: true,
    description: 'KV key within the group.',
    schema: str(undefined, { pattern: '^[A-Za-z0-9_.-]{1,128}$' }),
  },
  tenantId: {
    name: 'tenantId',
    in: 'path',
    required: true,
    description: 'Tenant id.',
    schema: ref('TenantId'),
  },
  q: {
    name: 'q',
    in: 'query',
    description: 'RSQL filter, e.g. `status==active;email=ends=@acme.com`. At most 4096 characters.',
    schema: str(undefined, { maxLength: 4096 }),
  },
  sort: {
    name: 'sort',
    in: 'query',
    description: 'Comma-separated fields, `-` prefix or a following `desc` for descending, e.g. `createdAt,desc`.',
    schema: S,
  },
  limit: {
    name: 'limit',
    in: 'query',
    description: 'Page size; values above 1000 are clamped.',
    schema: { type: 'integer', minimum: 0, default: 50 },
  },
  offset: {
    name: 'offset',
    in: 'query',
    description: 'Rows to skip.',
    schema: { type: 'integer', minimum: 0, default: 0 },
  },
  includeArchived: {
    name: 'includeArchived',
    in: 'query',
    description: 'Include archived members (`true` or `false`, exact lower-case).',
    schema: { type: 'boolean', default: false },
  },
  format: {
    name: 'format',
    in: 'query',
    description: '`json` for the Permission object, `cedar` for its Cedar policy text.',
    schema: str(undefined, { enum: ['json', 'cedar'], default: 'json' }),
  },
  tenant: {
    name: 'tenant',
    in: 'query',
    description: 'The tenant, when X-Tenant-ID is not sent. Must agree with the header when both are sent.',
    schema: ref('TenantId'),
  },
  redirect_uri: {
    name: 'redirect_uri',
    in: 'query',
    description: 'Must equal the configured `redirectUrl` or one of `allowedRedirectUrls`. Defaults to `redirectUrl`.',
    schema: str(undefined, { format: 'uri' }),
  },
  code: {
    name: 'code',
    in: 'query',
    description: 'Authorization code from the provider. Required unless `error` is given.',
    schema: S,
  },
  state: {
    name: 'state',
    in: 'query',
    required: true,
    description: 'The OAuth state from the authorization redirect (single use, 10 minutes).',
    schema: S,
  },
  error: {
    name: 'error',
    in: 'query',
    description: 'Error reported by the provider; the login is refused.',
    schema: S,
  },
};
const P = (name) => ({ $ref: `#/components/parameters/${name}` });

const errorContent = { 'application/json': { schema: ref('Error') } };
const errResp = (description, extra = {}) => ({ description, content: errorContent, ...extra });
const responses = {
  BadRequest: errResp('Bad request: tenant header, path or query parameter, malformed JSON, or a business rule.'),
  Unauthorized: errResp('Missing or invalid credentials or token.'),
  Forbidden: errResp('Not allowed (`forbidden`), or membership past its access validity (`access_expired`).'),
  NotFound: errResp('Tenant or entity not found.'),
  Conflict: errResp('Duplicate or conflicting state.'),
  PayloadTooLarge: errResp('Request body over `BODY_LIMIT_BYTES`.'),
  UnsupportedMediaType: errResp('Body without a JSON content type.'),
  ValidationError: errResp('JSON body of the wrong shape (`validation_error`).'),
  InvalidFilter: errResp('Bad body shape (`validation_error`) or bad RSQL `q`/`sort` (`invalid_filter`).'),
  Locked: errResp('Account temporarily locked (`account_locked`).'),
  RateLimited: errResp('Too many requests (`rate_limited`).', {
    headers: {
      'Retry-After': {
        description: 'Seconds until the window resets.',
        schema: { type: 'integer', minimum: 1 },
      },
    },
  }),
  InternalError: errResp('Unexpected failure; the detail is only logged.'),
  BadGateway: errResp('An OAuth provider failed.'),
};
const statusResponse = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'ValidationError',
  423: 'Locked',
  429: 'RateLimited',
  500: 'InternalError',
  502: 'BadGateway',
};

// ---------------------------------------------------------------------------------------------
// Routes (API.md section 2, in table order)
// ---------------------------------------------------------------------------------------------

const json = (schema, description) => ({ description, content: { 'application/json': { schema } } });
const msg = (text) => json(ref('Message'), `\`{"message":"${text}"}\``);

// r(method, path, operationId, tag, o):
//  o.tenant: 'req' | 'opt' | undefined; o.auth: none|session|identity|mfa|admin|builder|body:token|...
//  o.action, o.body (schema name), o.bodyOptional, o.query (param names), o.ok ({status: response}),
//  o.errors ({status: description or true}), o.rate (names), o.summary, o.description
const routes = [];
const r = (method, path, operationId, tag, o) => routes.push({ method, path, operationId, tag, ...o });

const T_SYS = 'System';
const T_SIGNUP = 'Sign-up';
const T_LOGIN = 'Login';
const T_OAUTH = 'OAuth';
const T_SSO = 'Single sign-on';
const T_SESS = 'Sessions';
const T_PWD = 'Password reset';
const T_AVAIL = 'Availability';
const T_MFA = 'MFA';
const T_USERS = 'Admin: users';
const T_ROLES = 'Admin: roles';
const T_GROUPS = 'Admin: groups';
const T_PERMS = 'Admin: permissions';
const T_PKG = 'Admin: packages';
const T_KV = 'Admin: KV store';
const T_TEN = 'Tenants';

const tags = [
  [T_SYS, 'Health, metrics, this specification and its HTML rendering.'],
  [T_SIGNUP, 'Self-service sign-up and verify-to-join invites.'],
  [T_LOGIN, 'Tenant-scoped logins: passwords and one-time codes. They answer a LoginResult.'],
  [T_OAUTH, 'OAuth 2 / OpenID Connect login (Google, Microsoft, GitHub, generic OIDC).'],
  [T_SSO, 'Tenant-less identity login and tenant selection across tenants.'],
  [T_SESS, 'Session inspection, password change and logout.'],
  [T_PWD, 'Self-service password reset by email.'],
  [T_AVAIL, 'Check whether an email, username or mobile number is taken.'],
  [T_MFA, 'TOTP enrolment, MFA login step and backup codes.'],
  [T_USERS, 'Members of the tenant (memberships joined with their identities).'],
  [T_ROLES, 'Roles, role hierarchy and role permissions.'],
  [T_GROUPS, 'Groups, their members and their roles.'],
  [T_PERMS, 'Permission documents and authorization checks.'],
  [T_PKG, 'Per-tenant action registry derived from package tables.'],
  [T_KV, 'Per-tenant string entries; reserved groups hold configuration.'],
  [T_TEN, 'Platform tenant management, restricted to builders.'],
];

const BODY = [413, 415, 422, 500];

// 3.1
r('get', '/health', 'healthCheck', T_SYS, {
  summary: 'Health check',
  description: 'Runs a trivial store query with a 2 s timeout. When the store does not answer it reports its own `status` (503) instead of the error envelope.',
  ok: {
    200: json(ref('Health'), 'The store answers.'),
    503: json(ref('Health'), 'The store does not answer (`status` is `unavailable`).'),
  },
  errors: [500],
});
r('get', '/metrics', 'getMetrics', T_SYS, {
  summary: 'Prometheus metrics',
  description: 'Prometheus text exposition format (version 0.0.4).',
  ok: { 200: { description: 'Metrics text.', content: { 'text/plain': { schema: S } } } },
  errors: [500],
});
r('get', '/spec', 'getSpec', T_SYS, {
  summary: 'OpenAPI document',
  description: 'This OpenAPI 3.1 document; `info.version` is the server version.',
  ok: { 200: json({ type: 'object', description: 'An OpenAPI 3.1 document.' }, 'The document.') },
  errors: [500],
});
r('get', '/docs', 'getDocs', T_SYS, {
  summary: 'HTML API reference',
  description: 'A self-contained page rendered from the same document as `/spec`.',
  ok: {
    200: {
      description: 'The reference page.',
      headers: {
        'Content-Security-Policy': {
          description:
            "`default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:`",
          schema: S,
        },
      },
      content: { 'text/html': { schema: S } },
    },
  },
  errors: [500],
});

// 3.2
r('post', '/signup', 'signup', T_SIGNUP, {
  summary: 'Sign up',
  description:
    'Creates an identity and an active membership in the tenant (201). If the email or mobile already belongs to an identity without a membership here, an invite is sent to that identity instead (202).',
  tenant: 'req',
  auth: 'none',
  rate: ['signup_ip', 'signup_identifier'],
  body: 'SignupRequest',
  ok: {
    201: json(ref('User'), 'New account.'),
    202: msg("Registration received. If further steps are required, we've emailed you instructions."),
  },
  errors: {
    400: 'Invalid email, mobile, country code or names; passwords differ or fail the policy.',
    403: 'Email domain not permitted, or tenant not active.',
    404: true,
    409: 'An account with this email (or mobile number) already exists in this tenant.',
    429: true,
  },
});
r('post', '/signup/verify', 'verifyMembership', T_SIGNUP, {
  summary: 'Accept a verify-to-join invite',
  description: "The tenant comes from the invite token. Activates (or creates) the identity's membership.",
  auth: 'body:token',
  body: 'TokenRequest',
  ok: { 201: json(ref('MembershipAccepted'), 'The membership.') },
  errors: { 400: 'Invalid or expired invite token.', 403: 'Tenant is not active.' },
});

// 3.3
r('post', '/login/email-password', 'loginEmailPassword', T_LOGIN, {
  summary: 'Log in with email and password',
  description: 'Login method 1. Wrong passwords count toward lockout.',
  tenant: 'req',
  auth: 'none',
  rate: ['login_ip', 'login_identifier'],
  body: 'EmailPasswordRequest',
  ok: { 200: json(ref('LoginResult'), 'A LoginResult.') },
  errors: {
    400: true,
    401: 'Invalid email or password.',
    403: 'Email domain, account status, access expiry, or login method refused.',
    404: true,
    423: true,
    429: true,
  },
});
r('post', '/login/username-password', 'loginUsernamePassword', T_LOGIN, {
  summary: 'Log in with username and password',
  description: 'Login method 4. The username is compared exactly within the tenant.',
  tenant: 'req',
  auth: 'none',
  rate: ['login_ip', 'login_identifier'],
  body: 'UsernamePasswordRequest',
  ok: { 200: json(ref('LoginResult'), 'A LoginResult.') },
  errors: {
    400: true,
    401: 'Invalid username or password.',
    403: 'Account status, access expiry, or login method refused.',
    404: true,
    423: true,
    429: true,
  },
});

// 3.4
const otpRequest = (path, operationId, summary, body, answer, description) =>
  r('post', path, operationId, T_LOGIN, {
    summary,
    description: `${description} Always answers 200 with a fixed message, whether or not the account exists.`,
    tenant: 'req',
    auth: 'none',
    rate: ['otp_request_ip', 'otp_request_identifier'],
    body,
    ok: { 200: msg(answer) },
    errors: { 400: true, 403: true, 404: true, 429: true },
  });
otpRequest(
  '/login/email-otp/request',
  'loginEmailOtpRequest',
  'Request an email login code',
  'EmailRequest',
  'If this email is registered, you will receive a verification code shortly.',
  'Sends a 6-digit code by email (login method 2).',
);
otpRequest(
  '/login/mobile-otp/request',
  'loginMobileOtpRequest',
  'Request an SMS login code',
  'MobileRequest',
  'If this mobile number is registered, you will receive a verification code shortly.',
  'Sends a 6-digit code by SMS to the E.164 number (login method 3).',
);
otpRequest(
  '/login/mobile-whatsapp-otp/request',
  'loginWhatsAppOtpRequest',
  'Request a WhatsApp login code',
  'MobileRequest',
  'If this mobile number is registered, you will receive a verification code on WhatsApp shortly.',
  'Sends a 6-digit code by WhatsApp to the E.164 number (login method 6).',
);
r('post', '/login/otp/verify', 'loginOtpVerify', T_LOGIN, {
  summary: 'Log in with a one-time code',
  description:
    'Verifies the newest code of the channel for the identifier. Too many wrong tries block the identifier until a new code is requested.',
  tenant: 'req',
  auth: 'none',
  rate: ['otp_verify_ip', 'otp_verify_identifier'],
  body: 'OtpVerifyRequest',
  ok: { 200: json(ref('LoginResult'), 'A LoginResult.') },
  errors: {
    400: 'Missing fields or unknown channel.',
    401: 'Invalid or expired code, or too many attempts.',
    403: 'Account status, access expiry, or login method refused.',
    404: true,
    423: true,
    429: true,
  },
});

// 3.5
r('get', '/oauth/{provider}', 'oauthAuthorize', T_OAUTH, {
  summary: 'Start an OAuth login',
  description:
    'Redirects the browser to the provider with state, nonce (OIDC) and a PKCE S256 challenge. The client method `oauthAuthorizeUrl` builds this URL.',
  tenant: 'opt',
  auth: 'none',
  params: ['provider'],
  query: ['tenant', 'redirect_uri'],
  ok: {
    302: {
      description: 'Redirect to the authorization endpoint (empty body).',
      headers: { Location: { description: 'Authorization endpoint URL.', schema: str(undefined, { format: 'uri' }) } },
    },
  },
  errors: {
    400: 'Bad tenant, header and parameter disagree, or redirect_uri not allowed.',
    403: 'Tenant not active, or OAuth not allowed for the tenant.',
    404: 'Tenant not found, or provider not configured for this tenant.',
    502: 'Could not reach the provider.',
  },
});
r('get', '/oauth/{provider}/callback', 'oauthCallback', T_OAUTH, {
  summary: 'Complete an OAuth login',
  description:
    'The tenant comes from the state. Exchanges the code, verifies the ID token (OIDC) or reads the GitHub user, then finds or creates the identity and membership.',
  auth: 'oauth-state',
  params: ['provider'],
  query: ['code', 'state', 'error'],
  ok: { 200: json(ref('LoginResult'), 'A LoginResult.') },
  errors: {
    400: 'Invalid or expired OAuth state, authorization not granted, missing or rejected code.',
    401: 'ID token verification failed.',
    403: 'Email domain, no membership, account status, access expiry, or login method refused.',
    409: 'An account with this email already exists; sign in with it first.',
    423: true,
    502: 'Token exchange or user lookup with the provider failed.',
  },
});

// 3.6
r('post', '/login/identity', 'loginIdentity', T_SSO, {
  summary: 'Log in to the identity (all tenants)',
  description: 'Email and password, without a tenant. Returns a reusable identity token and the active tenants.',
  auth: 'none',
  rate: ['identity_login_ip', 'identity_login_identifier'],
  body: 'EmailPasswordRequest',
  ok: { 200: json(ref('IdentityLogin'), 'Identity token and tenants.') },
  errors: { 400: true, 401: 'Invalid credentials.', 403: 'Account is not active.', 423: true, 429: true },
});
r('get', '/identity/tenants', 'identityTenants', T_SSO, {
  summary: "List the identity's tenants",
  description: 'The same list as `/login/identity`; the identity token is not consumed.',
  auth: 'identity',
  ok: { 200: json(ref('TenantMembershipList'), 'Active memberships in active tenants, oldest first.') },
  errors: { 401: 'Invalid or expired identity token.' },
});
r('post', '/login/select-tenant', 'selectTenant', T_SSO, {
  summary: 'Select a tenant',
  description: 'Exchanges an identity token for a login in one tenant. The token stays valid.',
  auth: 'identity',
  body: 'TenantIdRequest',
  ok: { 200: json(ref('LoginResult'), 'A LoginResult.') },
  errors: {
    400: true,
    401: 'Invalid or expired identity token.',
    403: 'No membership, tenant not active, account status, access expiry, login method or email domain refused.',
    423: true,
  },
});
r('post', '/session/switch', 'switchTenant', T_SSO, {
  summary: 'Switch tenant',
  description: "Issues a login in another tenant of the session's identity. The source session stays valid.",
  auth: 'session',
  body: 'TenantIdRequest',
  ok: { 200: json(ref('LoginResultAfterMfa'), 'A session or a forced change; never an MFA challenge.') },
  errors: {
    400: true,
    401: 'Invalid or expired session.',
    403: 'Session cannot switch, no membership, tenant not active, or a gate refused.',
    423: true,
  },
});
r('get', '/session/tenants', 'sessionTenants', T_SSO, {
  summary: "List the session's tenants",
  description: "The session's tenant and the identity's tenant list (only its own tenant for a confined session).",
  auth: 'session',
  ok: { 200: json(ref('SessionTenants'), 'Current tenant and tenant list.') },
  errors: { 401: 'Invalid or expired session.' },
});
r('post', '/session/logout/global', 'logoutGlobal', T_SSO, {
  summary: 'Log out everywhere',
  description: "Revokes every live session of the identity in every tenant, and its identity, MFA and change tokens.",
  auth: 'session',
  ok: { 200: json(ref('SessionsRevoked'), 'Sessions revoked.') },
  errors: { 401: 'Invalid or expired session.' },
});

// 3.7
r('get', '/session/validate', 'validateSession', T_SESS, {
  summary: 'Validate a session',
  description: 'Returns the session and its current effective roles and permissions; refreshes the idle timer.',
  auth: 'session',
  ok: { 200: json(ref('SessionInfo'), 'Session info.') },
  errors: { 401: 'Invalid or expired session.' },
});
r('get', '/session/me', 'me', T_SESS, {
  summary: 'Current user',
  description: 'The same values as validate, plus the User.',
  auth: 'session',
  ok: { 200: json(ref('Me'), 'Session info and User.') },
  errors: { 401: 'Invalid or expired session.' },
});
r('post', '/session/change-password', 'changePassword', T_SESS, {
  summary: 'Change password',
  description:
    'Sets a new password for the identity (every tenant). Other sessions of the identity are revoked; the current one is kept.',
  auth: 'session',
  rate: ['change_password_session'],
  body: 'ChangePasswordRequest',
  ok: { 200: msg('Password changed successfully.') },
  errors: {
    400: 'Passwords differ, fail the policy, or the account has no password.',
    401: 'Invalid session, or current password is incorrect.',
    423: true,
    429: true,
  },
});
r('post', '/session/force-change-password', 'forceChangePassword', T_SESS, {
  summary: 'Complete a forced password change',
  description: 'Uses the change token of a `passwordChangeRequired` LoginResult. Revokes all sessions and issues a new one.',
  auth: 'body:changeToken',
  body: 'ForceChangePasswordRequest',
  ok: { 200: json(ref('LoginSuccess'), 'The new session.') },
  errors: {
    400: 'Passwords differ or fail the policy.',
    401: 'Invalid or expired change token.',
    403: 'Tenant not active, account not active, or access expired.',
  },
});
r('post', '/session/logout', 'logout', T_SESS, {
  summary: 'Log out',
  description: 'Revokes the Bearer token if it is a live session. Answers 200 for any well-formed Bearer header.',
  auth: 'session (header only)',
  ok: { 200: json(ref('Ok'), '`{"ok":true}`') },
  errors: { 401: 'Missing or invalid Authorization header.' },
});
r('post', '/session/logout/all', 'logoutAll', T_SESS, {
  summary: 'Log out of the tenant',
  description: "Revokes every live session of the session's membership, this one included.",
  tenant: 'req',
  auth: 'session',
  ok: { 200: json(ref('SessionsRevoked'), 'Sessions revoked.') },
  errors: { 400: true, 401: 'Invalid or expired session.', 403: 'Session belongs to another tenant.', 404: true },
});

// 3.8
r('post', '/forgot-password', 'forgotPassword', T_PWD, {
  summary: 'Request a password reset',
  description:
    'Emails a reset link (60 minutes) to an active identity with this email. The lookup is global; the answer is always the same.',
  tenant: 'req',
  auth: 'none',
  rate: ['forgot_password_ip', 'forgot_password_identifier'],
  body: 'EmailRequest',
  ok: { 200: msg('If this email is registered, you will receive a password reset link shortly.') },
  errors: { 400: 'Email is required.', 403: true, 404: true, 429: true },
});
r('post', '/reset-password', 'resetPassword', T_PWD, {
  summary: 'Reset the password',
  description:
    "Sets the identity's password with a reset token, clears any lock, revokes every session and outstanding token.",
  tenant: 'req',
  auth: 'body:token',
  body: 'ResetPasswordRequest',
  ok: { 200: msg('Password has been reset successfully.') },
  errors: { 400: 'Token missing, invalid or expired; passwords differ or fail the policy.', 403: true, 404: true },
});

// 3.9
const avail = (path, operationId, summary, body, description) =>
  r('post', path, operationId, T_AVAIL, {
    summary,
    description,
    tenant: 'req',
    auth: 'session',
    rate: ['availability_session'],
    body,
    ok: { 200: json(ref('Availability'), '`true` when the value is not taken.') },
    errors: {
      400: true,
      401: 'Invalid or expired session.',
      403: 'Session belongs to another tenant, or tenant not active.',
      404: true,
      429: true,
    },
  });
avail('/check-availability/email', 'checkEmailAvailability', 'Is an email free?', 'EmailRequest',
  'Checked globally against identity emails, case-insensitively.');
avail('/check-availability/username', 'checkUsernameAvailability', 'Is a username free?', 'UsernameRequest',
  'Checked exactly against the memberships of the tenant, archived ones included.');
avail('/check-availability/mobile', 'checkMobileAvailability', 'Is a mobile number free?', 'MobileRequest',
  'Checked globally on the normalised (country code, mobile) pair.');

// 3.10
r('post', '/mfa/enable', 'enableMfa', T_MFA, {
  summary: 'Start TOTP enrolment',
  description: 'Creates a new TOTP secret. MFA stays off until the enrolment is verified.',
  auth: 'session',
  ok: { 200: json(ref('MfaEnrolment'), 'Secret, otpauth URI and QR code.') },
  errors: { 401: 'Invalid or expired session.', 409: 'MFA is already enabled.' },
});
r('post', '/mfa/verify', 'verifyMfa', T_MFA, {
  summary: 'Verify TOTP enrolment',
  description: 'Enables MFA with a current TOTP code and returns 10 backup codes.',
  auth: 'session',
  body: 'CodeRequest',
  ok: { 200: json(ref('MfaEnabled'), 'MFA enabled.') },
  errors: {
    400: 'No MFA enrolment in progress, or invalid MFA code.',
    401: 'Invalid or expired session.',
    409: 'MFA is already enabled.',
  },
});
r('post', '/mfa/validate', 'validateMfa', T_MFA, {
  summary: 'Complete an MFA login',
  description:
    'Send the MFA token as Bearer and a TOTP or backup code. Five wrong codes burn the token.',
  auth: 'mfa',
  rate: ['mfa_validate_ip', 'mfa_validate_identifier'],
  body: 'CodeRequest',
  ok: { 200: json(ref('LoginResultAfterMfa'), 'A session, or a forced change.') },
  errors: {
    400: true,
    401: 'Invalid or expired MFA token, or invalid MFA code.',
    403: 'Tenant not active, account not active, or access expired.',
    423: true,
    429: true,
  },
});
r('post', '/mfa/disable', 'disableMfa', T_MFA, {
  summary: 'Disable MFA',
  description: 'Requires a current TOTP or backup code. Wrong codes count toward lockout.',
  auth: 'session',
  rate: ['mfa_disable_session'],
  body: 'CodeRequest',
  ok: { 200: json(ref('MfaDisabled'), 'MFA disabled.') },
  errors: { 400: 'MFA is not enabled, or invalid MFA code.', 401: 'Invalid or expired session.', 423: true, 429: true },
});

// Admin routes: tenant required, admin authorization.
const admin = (method, path, operationId, tag, o) =>
  r(method, path, operationId, tag, {
    tenant: 'req',
    auth: 'admin',
    action: `authrs:${operationId}`,
    ...o,
    errors: {
      400: true,
      401: true,
      403: 'Not allowed to perform the action, session of another tenant, or tenant not active.',
      404: true,
      ...(o.errors || {}),
    },
  });
const list = ['q', 'sort', 'limit', 'offset'];

// 3.11
admin('post', '/admin/users', 'createUser', T_USERS, {
  summary: 'Create a user',
  description:
    'Creates a member. A new identity gets an active membership; an existing identity gets an `invited` membership and an invite.',
  body: 'CreateUserRequest',
  ok: { 201: json(ref('User'), 'The new member.') },
  errors: {
    400: 'No handle given, invalid formats, or password problems.',
    409: 'Email, mobile or username taken in the tenant, or they belong to different accounts.',
  },
});
admin('get', '/admin/users', 'listUsers', T_USERS, {
  summary: 'List users',
  description: 'Archived members are left out unless `includeArchived=true`. Default order `-createdAt`.',
  query: ['includeArchived', ...list],
  ok: { 200: json(ref('UserList'), 'Users.') },
  errors: { 422: true },
});
admin('get', '/admin/users/{userId}/roles', 'listUserRoles', T_USERS, {
  summary: "List a user's roles",
  description: 'Roles assigned directly (not inherited, not through groups), ordered by name.',
  params: ['userId'],
  ok: { 200: json(ref('RoleList'), 'Roles.') },
  errors: { 404: 'User not found.' },
});
admin('post', '/admin/users/{userId}/roles', 'assignRole', T_USERS, {
  summary: 'Assign a role to a user',
  description: 'An existing assignment is not an error.',
  params: ['userId'],
  body: 'RoleIdRequest',
  ok: { 201: msg('Role assigned to user') },
  errors: { 404: 'User or role not found.' },
});
admin('delete', '/admin/users/{userId}/roles/{roleId}', 'removeRole', T_USERS, {
  summary: 'Remove a role from a user',
  params: ['userId', 'roleId'],
  ok: { 200: msg('Role removed from user') },
  errors: { 404: 'User, role, or assignment not found.' },
});
admin('get', '/admin/users/{userId}/groups', 'listUserGroups', T_USERS, {
  summary: "List a user's groups",
  description: 'Ordered by name.',
  params: ['userId'],
  ok: { 200: json(ref('GroupList'), 'Groups.') },
  errors: { 404: 'User not found.' },
});
admin('post', '/admin/users/{userId}/archive', 'archiveUser', T_USERS, {
  summary: 'Archive a user',
  description: "Archives the membership and revokes its sessions. Role and group links are kept. There is no unarchive.",
  params: ['userId'],
  ok: { 200: msg('User archived successfully.') },
  errors: { 400: 'User is already archived.', 404: 'User not found.' },
});
admin('post', '/admin/users/{userId}/reset-password', 'resetUserPassword', T_USERS, {
  summary: "Reset a user's password",
  description:
    'Replaces the password, optionally forcing a change at next login, and revokes every session. Refused for identities with memberships in other tenants.',
  params: ['userId'],
  body: 'AdminResetPasswordRequest',
  ok: { 200: msg('Password reset successfully.') },
  errors: {
    400: 'Passwords differ or fail the policy.',
    403: 'This account belongs to other tenants; only its owner can change it.',
    404: 'User not found.',
  },
});
admin('patch', '/admin/users/{userId}/access-validity', 'setAccessValidity', T_USERS, {
  summary: "Set a user's access validity",
  description: 'After this time, logins get 403 `access_expired` and sessions stop validating. Null clears it.',
  params: ['userId'],
  body: 'AccessValidityRequest',
  ok: { 200: msg('Access validity updated.') },
  errors: { 404: 'User not found.' },
});
admin('post', '/admin/users/{userId}/mfa/reset', 'resetUserMfa', T_USERS, {
  summary: "Reset a user's MFA",
  description: 'Turns MFA off and deletes the secret and backup codes. Refused for identities with memberships in other tenants.',
  params: ['userId'],
  ok: { 200: msg('MFA reset successfully.') },
  errors: { 403: 'This account belongs to other tenants; only its owner can change it.', 404: 'User not found.' },
});

// 3.12
admin('post', '/admin/roles', 'createRole', T_ROLES, {
  summary: 'Create a role',
  description: 'The uid is a write-once slug of the name.',
  body: 'CreateRoleRequest',
  ok: { 201: json(ref('Role'), 'The new role.') },
  errors: {
    400: 'Name empty, too long, or without a letter or digit.',
    404: 'Parent role not found in tenant.',
    409: 'A role with this uid already exists.',
  },
});
admin('get', '/admin/roles', 'listRoles', T_ROLES, {
  summary: 'List roles',
  description: 'Default order `name`.',
  query: list,
  ok: { 200: json(ref('RoleList'), 'Roles.') },
  errors: { 422: true },
});
admin('delete', '/admin/roles/{roleId}', 'deleteRole', T_ROLES, {
  summary: 'Delete a role',
  description: 'Removes its links and the principals naming it from every permission document; its children become roots.',
  params: ['roleId'],
  ok: { 200: msg('Role deleted') },
  errors: { 404: 'Role not found.' },
});
admin('put', '/admin/roles/{roleId}/parent', 'setRoleParent', T_ROLES, {
  summary: "Set a role's parent",
  description: 'Null makes the role a root. Cycles are refused.',
  params: ['roleId'],
  body: 'RoleParentRequest',
  ok: { 200: msg('Role parent updated.') },
  errors: { 400: 'A role cannot be its own parent, or a cycle would be created.', 404: 'Role or parent role not found.' },
});
admin('get', '/admin/roles/{roleId}/hierarchy', 'getRoleHierarchy', T_ROLES, {
  summary: "Get a role's ancestors",
  description: 'Root first, direct parent last, without the role itself.',
  params: ['roleId'],
  ok: { 200: json(ref('RoleAncestors'), 'Ancestors.') },
  errors: { 404: 'Role not found.' },
});
admin('post', '/admin/roles/{roleId}/permissions', 'attachPermissionToRole', T_ROLES, {
  summary: 'Attach a permission to a role',
  description: 'Attaching an already-attached permission is not an error.',
  params: ['roleId'],
  body: 'PermissionIdRequest',
  ok: { 201: msg('Permission attached to role') },
  errors: { 404: 'Role or permission not found.' },
});
admin('get', '/admin/roles/{roleId}/permissions', 'listRolePermissions', T_ROLES, {
  summary: "List a role's permissions",
  description: 'Permissions attached directly, ordered by name.',
  params: ['roleId'],
  ok: { 200: json(ref('PermissionList'), 'Permissions.') },
  errors: { 404: 'Role not found.' },
});
admin('delete', '/admin/roles/{roleId}/permissions/{permissionId}', 'detachPermissionFromRole', T_ROLES, {
  summary: 'Detach a permission from a role',
  params: ['roleId', 'permissionId'],
  ok: { 200: msg('Permission detached from role') },
  errors: { 404: 'Role, permission, or attachment not found.' },
});

// 3.13
admin('post', '/admin/groups', 'createGroup', T_GROUPS, {
  summary: 'Create a group',
  body: 'CreateGroupRequest',
  ok: { 201: json(ref('Group'), 'The new group.') },
  errors: { 400: 'Name empty, too long or without a letter or digit; description too long.', 409: 'A group with this uid already exists.' },
});
admin('get', '/admin/groups', 'listGroups', T_GROUPS, {
  summary: 'List groups',
  description: 'Default order `name`.',
  query: list,
  ok: { 200: json(ref('GroupList'), 'Groups.') },
  errors: { 422: true },
});
admin('get', '/admin/groups/{groupId}', 'getGroup', T_GROUPS, {
  summary: 'Get a group',
  params: ['groupId'],
  ok: { 200: json(ref('Group'), 'The group.') },
  errors: { 404: 'Group not found.' },
});
admin('delete', '/admin/groups/{groupId}', 'deleteGroup', T_GROUPS, {
  summary: 'Delete a group',
  description: 'Removes its member and role links and the principals naming it from every permission document.',
  params: ['groupId'],
  ok: { 200: msg('Group deleted') },
  errors: { 404: 'Group not found.' },
});
admin('post', '/admin/groups/{groupId}/users', 'addUserToGroup', T_GROUPS, {
  summary: 'Add a user to a group',
  description: 'Adding an existing member is not an error.',
  params: ['groupId'],
  body: 'UserIdRequest',
  ok: { 201: msg('User added to group') },
  errors: { 404: 'Group or user not found.' },
});
admin('get', '/admin/groups/{groupId}/users', 'listGroupMembers', T_GROUPS, {
  summary: 'List group members',
  description: 'Archived members included. Default order: join time, oldest first.',
  params: ['groupId'],
  query: list,
  ok: { 200: json(ref('UserList'), 'Members.') },
  errors: { 404: 'Group not found.', 422: true },
});
admin('delete', '/admin/groups/{groupId}/users/{userId}', 'removeUserFromGroup', T_GROUPS, {
  summary: 'Remove a user from a group',
  params: ['groupId', 'userId'],
  ok: { 200: msg('User removed from group') },
  errors: { 404: 'Group or user not found, or not a member.' },
});
admin('post', '/admin/groups/{groupId}/roles', 'assignRoleToGroup', T_GROUPS, {
  summary: 'Assign a role to a group',
  description: 'Members inherit the role and its ancestors. An existing assignment is not an error.',
  params: ['groupId'],
  body: 'RoleIdRequest',
  ok: { 201: msg('Role assigned to group') },
  errors: { 404: 'Group or role not found.' },
});
admin('get', '/admin/groups/{groupId}/roles', 'listGroupRoles', T_GROUPS, {
  summary: "List a group's roles",
  description: 'Ordered by name.',
  params: ['groupId'],
  ok: { 200: json(ref('RoleList'), 'Roles.') },
  errors: { 404: 'Group not found.' },
});
admin('delete', '/admin/groups/{groupId}/roles/{roleId}', 'removeRoleFromGroup', T_GROUPS, {
  summary: 'Remove a role from a group',
  params: ['groupId', 'roleId'],
  ok: { 200: msg('Role removed from group') },
  errors: { 404: 'Group or role not found, or not assigned.' },
});

// 3.14
admin('post', '/admin/permissions', 'createPermission', T_PERMS, {
  summary: 'Create a permission',
  description:
    'Validates the document and resolves its principals. With `overwrite: true` an existing permission of that name keeps its id and role links.',
  body: 'CreatePermissionRequest',
  ok: { 201: json(ref('Permission'), 'The stored permission.') },
  errors: {
    400: 'Name empty or too long; invalid document; unknown role, group or user principal.',
    409: 'A permission with this name already exists.',
  },
});
admin('get', '/admin/permissions', 'listPermissions', T_PERMS, {
  summary: 'List permissions',
  description: 'Default order `name`.',
  query: list,
  ok: { 200: json(ref('PermissionList'), 'Permissions.') },
  errors: { 422: true },
});
admin('post', '/admin/permissions/check', 'checkPermission', T_PERMS, {
  summary: 'Check a permission',
  description:
    "Evaluates the tenant's documents for a member. With `action`: one decision. Without: a decision for every registered action in scope. Deny wins; the default is deny.",
  body: 'CheckPermissionRequest',
  ok: { 200: json(ref('CheckResult'), 'Decision(s).') },
  errors: { 400: 'Invalid resource, action or context.', 404: 'User not found.' },
});
admin('get', '/admin/permissions/{permissionId}', 'getPermission', T_PERMS, {
  summary: 'Get a permission',
  description: 'As JSON, or with `format=cedar` as Cedar policy text.',
  params: ['permissionId'],
  query: ['format'],
  ok: {
    200: {
      description: 'The permission (JSON), or its Cedar text (`format=cedar`).',
      content: {
        'application/json': { schema: ref('Permission') },
        'text/plain': { schema: str('Cedar policy text.') },
      },
    },
  },
  errors: { 404: 'Permission not found.' },
});
admin('delete', '/admin/permissions/{permissionId}', 'deletePermission', T_PERMS, {
  summary: 'Delete a permission',
  description: 'Detaches it from every role, then deletes it.',
  params: ['permissionId'],
  ok: { 200: msg('Permission deleted') },
  errors: { 404: 'Permission not found.' },
});

// 3.15
admin('post', '/admin/packages/sync', 'syncPackage', T_PKG, {
  summary: "Sync a package's actions",
  description:
    "Replaces the package's tables and actions: 7 CRUD actions per table, 3 per extensible table, plus the custom actions.",
  body: 'PackageSyncRequest',
  ok: { 200: json(ref('PackageSyncSummary'), 'Counts of what was sent.') },
  errors: { 400: 'Invalid packageId, table name or action; derived action name too long.' },
});
admin('get', '/admin/packages/actions', 'listPackageActions', T_PKG, {
  summary: 'List packages and their actions',
  description: 'Sorted by `packageId`.',
  ok: { 200: json(ref('PackageList'), 'Packages.') },
});

// 3.16
admin('get', '/admin/kv_store', 'listKvKeys', T_KV, {
  summary: 'List KV entries',
  description: 'A bare array, sorted by group and key. Secret groups are masked.',
  ok: { 200: json(ref('KvEntryList'), 'Entries.') },
});
admin('get', '/admin/kv_store/{groupKey}/{key}', 'getKvValue', T_KV, {
  summary: 'Get a KV entry',
  description: 'Masked if the group is secret.',
  params: ['groupKey', 'key'],
  ok: { 200: json(ref('KvEntry'), 'The entry.') },
  errors: { 404: 'Key not found.' },
});
admin('put', '/admin/kv_store/{groupKey}/{key}', 'setKvValue', T_KV, {
  summary: 'Set a KV entry',
  description: 'Creates or replaces the entry. Values of reserved configuration groups are validated.',
  params: ['groupKey', 'key'],
  body: 'KvValueRequest',
  ok: { 200: json(ref('KvEntry'), 'The stored entry (masked if secret).') },
  errors: { 400: 'Value too long, or invalid for a reserved group.' },
});
admin('delete', '/admin/kv_store/{groupKey}/{key}', 'deleteKvValue', T_KV, {
  summary: 'Delete a KV entry',
  params: ['groupKey', 'key'],
  ok: { 200: msg('Key deleted') },
  errors: { 404: 'Key not found.' },
});

// 3.17
const builderForbidden = 'Not the builder tenant, no builder roles configured, or no builder role held.';
r('get', '/tenants', 'listTenants', T_TEN, {
  summary: 'List tenants',
  description: 'Every tenant, whatever its status, ordered by name.',
  auth: 'builder',
  ok: { 200: json(ref('TenantList'), 'Tenants.') },
  errors: { 401: 'Invalid or expired session.', 403: builderForbidden },
});
r('post', '/tenants', 'createTenant', T_TEN, {
  summary: 'Create a tenant',
  description: 'Creates an active tenant with the `Admin` role and `authrs-admin` permission, and optionally its first admin.',
  auth: 'builder',
  body: 'CreateTenantRequest',
  ok: { 201: json(ref('Tenant'), 'The new tenant.') },
  errors: {
    400: 'Invalid id, name, admin email or password.',
    401: 'Invalid or expired session.',
    403: builderForbidden,
    409: 'Tenant id or name already exists.',
  },
});
r('patch', '/tenants/{tenantId}', 'updateTenant', T_TEN, {
  summary: "Change a tenant's status",
  description: 'A suspended tenant answers 403 on its routes and its sessions stop validating.',
  auth: 'builder',
  params: ['tenantId'],
  body: 'UpdateTenantRequest',
  ok: { 200: json(ref('Tenant'), 'The tenant.') },
  errors: {
    400: 'Invalid status, or the builder tenant cannot be suspended.',
    401: 'Invalid or expired session.',
    403: builderForbidden,
    404: 'Tenant not found.',
  },
});

// ---------------------------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------------------------

function security(route) {
  const bearer = ['session', 'identity', 'mfa', 'admin', 'builder', 'session (header only)'].includes(route.auth);
  if (route.tenant === 'req') return bearer ? [{ bearer: [], tenant: [] }] : [{ tenant: [] }];
  if (route.tenant === 'opt') return [{}, { tenant: [] }];
  return bearer ? [{ bearer: [] }] : [];
}

function errorResponses(route) {
  const e = Array.isArray(route.errors) ? Object.fromEntries(route.errors.map((s) => [s, true])) : { ...(route.errors || {}) };
  if (route.tenant) {
    e[400] ??= true;
    e[403] ??= true;
    e[404] ??= true;
  }
  if (route.params) e[400] ??= true;
  if (route.body) for (const s of [400, ...BODY]) e[s] ??= true;
  if (route.auth && !['none', 'oauth-state'].includes(route.auth) && !route.auth.startsWith('body:')) e[401] ??= true;
  if (route.rate) e[429] ??= true;
  e[500] ??= true;
  const out = {};
  for (const status of Object.keys(e).map(Number).sort((a, b) => a - b)) {
    let name = statusResponse[status];
    if (status === 422 && (route.query || []).includes('q')) name = 'InvalidFilter';
    let v = e[status];
    if (status === 404 && route.tenant && typeof v === 'string' && !v.startsWith('Tenant')) {
      v = `Tenant not found, or ${v[0].toLowerCase()}${v.slice(1)}`;
    }
    out[status] = { $ref: `#/components/responses/${name}`, ...(typeof v === 'string' ? { description: v } : {}) };
  }
  return out;
}

const AUTH_TEXT = {
  none: 'none',
  session: 'Bearer session token',
  identity: 'Bearer identity token',
  mfa: 'Bearer MFA token',
  admin: 'Bearer session token with the admin action',
  builder: 'Bearer session token of a builder',
  'session (header only)': 'Bearer header (the token need not be valid)',
  'body:token': 'token in the body',
  'body:changeToken': 'change token in the body',
  'oauth-state': 'OAuth state',
};

const paths = {};
const opIds = new Set();
for (const route of routes) {
  if (opIds.has(route.operationId)) throw new Error(`duplicate operationId ${route.operationId}`);
  opIds.add(route.operationId);
  const params = [];
  if (route.tenant === 'req') params.push(P('TenantHeader'));
  if (route.tenant === 'opt') params.push(P('TenantHeaderOptional'));
  for (const p of route.params || []) params.push(P(p));
  for (const p of route.query || []) params.push(P(p));
  const templ = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  if (templ.join() !== (route.params || []).join()) throw new Error(`params mismatch ${route.path}`);
  const op = {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: security(route),
    ...(params.length ? { parameters: params } : {}),
  };
  if (route.body) {
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: ref(route.body) } },
    };
  }
  op.responses = { ...route.ok, ...errorResponses(route) };
  op['x-authrs-auth'] = AUTH_TEXT[route.auth ?? 'none'];
  if (route.action) op['x-authrs-action'] = route.action;
  if (route.rate) op['x-authrs-rate-limits'] = route.rate;
  paths[route.path] ??= {};
  if (paths[route.path][route.method]) throw new Error(`duplicate ${route.method} ${route.path}`);
  paths[route.path][route.method] = op;
}

const description = [
  'Multi-tenant authentication and authorization server.',
  '',
  '* **Tenant.** Tenant-scoped routes need the `X-Tenant-ID` header (lower snake_case, at most 63 characters); the tenant must exist (404) and be active (403).',
  '* **Authentication.** Tokens are opaque 43-character strings sent as `Authorization: Bearer <token>`; each kind (session, identity, MFA) is accepted only where it is expected. Admin routes also check the action named in `x-authrs-action` on resource `service:authrs` (with `ADMIN_AUTH=off` they need only X-Tenant-ID).',
  '* **Bodies.** `Content-Type: application/json` (or `application/*+json`), one JSON value, at most `BODY_LIMIT_BYTES` (413 on any route). Unknown fields are ignored; on optional fields `null` means absent. Shape errors give 422, business rules 400.',
  '* **Responses.** Compact UTF-8 JSON; every documented key is present (absent values are `null`). Timestamps are RFC 3339 UTC with six fractional digits. Every response carries `X-Request-ID`, `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`.',
  '* **Errors.** `{"error":"<code>","message":"<Prefix>: <detail>"}`. Rate-limited answers (429) carry `Retry-After`. An unknown route gets 404, a wrong method 405 with `Allow`.',
  '* **Check order.** Routing, tenant header, path parameters, query, JSON body, rate limits, Bearer token and admin checks, then the business rules.',
  '* **CORS.** `OPTIONS` is answered on every path with 204; `HEAD` is served for every `GET` route except the two OAuth routes.',
].join('\n');

const spec = {
  openapi: '3.1.0',
  info: {
    title: 'Authrs API',
    version: '0.0.0',
    description,
  },
  servers: [{ url: '/' }],
  tags: tags.map(([name, d]) => ({ name, description: d })),
  paths,
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'An opaque 43-character token: session, identity or MFA token depending on the route.',
      },
      tenant: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Tenant-ID',
        description: 'The tenant id.',
      },
    },
    parameters,
    responses,
    schemas,
  },
};

if (routes.length !== 77) throw new Error(`expected 77 routes, got ${routes.length}`);
writeFileSync(process.argv[2], JSON.stringify(spec, null, 2) + '\n');
console.log(`wrote ${routes.length} operations`);
