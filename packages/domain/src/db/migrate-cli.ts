// `pnpm db:migrate` (node dist/db/migrate-cli.js): apply pending migrations to DATABASE_URL.
// `--down` reverts the last applied migration. Exits 0 on success, 1 with a message otherwise.
import { createDatabase } from "./database.js";
import { migrate } from "./migrator.js";

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return `${u.host}${u.pathname}`;
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== "--down");
  if (unknown.length > 0 || argv.includes("--help")) {
    console.error(`db:migrate: unknown argument ${unknown.join(" ")}\nusage: db:migrate [--down]`);
    return 1;
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("db:migrate: DATABASE_URL is not set (e.g. postgres://user:password@host:5432/erpbridge)");
    return 1;
  }
  const direction = argv.includes("--down") ? "down" : "up";
  const db = createDatabase({ url });
  try {
    const result = await migrate(db.sequelize, { direction });
    const target = redact(url);
    if (result.migrations.length === 0) {
      console.log(direction === "up" ? `db:migrate: ${target} is up to date` : `db:migrate: nothing to revert on ${target}`);
    } else {
      const verb = direction === "up" ? "applied" : "reverted";
      console.log(`db:migrate: ${verb} ${result.migrations.length} on ${target}: ${result.migrations.join(", ")}`);
    }
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`db:migrate: ${direction} failed on ${redact(url)}: ${message}`);
    return 1;
  } finally {
    await db.close().catch(() => {});
  }
}

process.exitCode = await main(process.argv.slice(2));
