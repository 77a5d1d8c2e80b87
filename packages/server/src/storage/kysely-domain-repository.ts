import type { Kysely, Selectable } from "kysely";
import type { DomainRecord, DomainRepository } from "../domain/apps/domain-repository.js";
import type { DatabaseSchema, DomainsTable } from "./database-schema.js";

export class KyselyDomainRepository implements DomainRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(d: DomainRecord): Promise<"created" | "host_taken"> {
    const row = await this.db
      .insertInto("domains")
      .values({
        id: d.id,
        app_id: d.appId,
        host: d.host,
        status: d.status,
        cname_target: d.cnameTarget,
        created_at: d.createdAt,
        updated_at: d.updatedAt,
        verified_at: d.verifiedAt,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .executeTakeFirst();
    return row ? "created" : "host_taken";
  }

  async list(appId: string): Promise<DomainRecord[]> {
    return (
      await this.db.selectFrom("domains").selectAll().where("app_id", "=", appId).orderBy("id").execute()
    ).map(toDomain);
  }

  async get(appId: string, id: string): Promise<DomainRecord | null> {
    const row = await this.db
      .selectFrom("domains")
      .selectAll()
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async findByHost(host: string): Promise<DomainRecord | null> {
    const row = await this.db.selectFrom("domains").selectAll().where("host", "=", host).executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async markVerified(appId: string, id: string, now: number): Promise<void> {
    await this.db
      .updateTable("domains")
      .set({ status: "verified", verified_at: now, updated_at: now })
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .execute();
  }

  async delete(appId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("domains")
      .where("app_id", "=", appId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

function toDomain(row: Selectable<DomainsTable>): DomainRecord {
  return {
    id: row.id,
    appId: row.app_id,
    host: row.host,
    status: row.status,
    cnameTarget: row.cname_target,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    verifiedAt: row.verified_at,
  };
}
