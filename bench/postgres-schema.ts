import { randomBytes } from "node:crypto";
import pg from "pg";

/** Runs `work` with the URL of a new, empty schema of the PostgreSQL at `url`, dropped after. */
export async function withPostgresSchema<T>(
  url: string,
  work: (schemaUrl: string) => Promise<T>,
): Promise<T> {
  const schema = `bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const withSchema = new URL(url);
    withSchema.searchParams.set("options", `-c search_path=${schema}`);
    return await work(withSchema.toString());
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}
