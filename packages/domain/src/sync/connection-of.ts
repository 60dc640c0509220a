/**
 * The connection through which a tenant's records of one system kind are read; `source_record`
 * is keyed by it. The one place that resolves it.
 *
 * Until the `connection` table (migration 0018, built on another branch) is merged, a tenant has
 * exactly one connection per kind and it is identified by the tenant's own id (0021 wrote existing
 * records that way). When 0018 lands, this becomes a lookup of the tenant's `connection` row and
 * a migration re-points `source_record.connection_id` at it and adds the foreign key.
 */
export async function connectionIdOf(tenantId: string, kind: string): Promise<string> {
  void kind; // one connection per kind until 0018
  return Promise.resolve(tenantId);
}
