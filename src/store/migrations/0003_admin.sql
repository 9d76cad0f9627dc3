-- 0003_admin.sql - administration: a per-tenant version of the authorization
-- data (roles, groups, links, permission documents). Every write that changes
-- what the compiled policy of a tenant holds bumps it in the same transaction,
-- so every node and process sees the change on its next request (API.md 3.14).
CREATE TABLE authz_versions (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
  version   BIGINT NOT NULL
);
