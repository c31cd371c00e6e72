/**
 * destructive-migration on JavaScript/TypeScript migrations (Knex, Sequelize, TypeORM) read through Babel's
 * syntax tree: calls spread over lines, comments inside arguments, chained builders, template-literal SQL,
 * SQL kept in constants, helpers the `up` function calls. Fixtures are recreated after real layouts:
 * Joplin Server's Knex migrations (`packages/server/src/migrations/<14 digits>_x.ts`, `export const up`),
 * Outline's Sequelize migrations (`server/migrations/<14 digits>-x.js`, `module.exports = { async up }` with
 * `queryInterface.sequelize.transaction`), Standard Notes' TypeORM migrations kept per database
 * (`packages/<service>/migrations/mysql/<13 digits>-x.ts`) and generated Postgres ones.
 */
import { describe, expect, it } from "vitest";

import { changeFromTrees } from "../../src/engine/memory-change.js";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { noteText } from "../../src/engine/types.js";
import { migrationFramework } from "../../src/formats/migrations/frameworks.js";

async function review(path: string, text: string, base: Record<string, string> = {}) {
  const report = await reviewChange(changeFromTrees(base, { ...base, [path]: text }), defaultConfig());
  const found = report.findings.filter((f) => f.rule === "destructive-migration").map((f) => [f.file, f.line, f.severity]);
  return { report, found };
}

describe("Knex (Joplin Server layout)", () => {
  const path = "packages/server/src/migrations/20260301120000_user_sizes.ts";

  it("must fire: multi-line chains, comments inside arguments, .alter(), raw SQL in a template literal", async () => {
    const text = `import { Knex } from 'knex';
import { DbConnection } from '../db';

export const up = async (db: DbConnection) => {
	// Sizes are computed on the fly now: the column is no longer read.
	await db.schema
		.alterTable('users', (table: Knex.CreateTableBuilder) => {
			/* table.dropIndex(['total_item_size']) was dropped with the column */
			table.dropColumn(
				'total_item_size', // since 2.1
			);
			table.string('plan', 32).notNullable(); // no default for existing rows
			table.integer('max_item_size').defaultTo(0).notNullable();
			table
				.bigInteger('updated_time')
				.notNullable()
				.alter();
		});

	await db.raw(\`
		ALTER TABLE items
		DROP COLUMN legacy_owner_id
	\`);
};

export const down = async (db: DbConnection) => {
	await db.schema.dropTable('users');
};
`;
    const { found, report } = await review(path, text);
    expect(found).toEqual([
      [path, 9, "error"], // dropColumn
      [path, 12, "error"], // NOT NULL without a default
      [path, 15, "error"], // .alter(): type change (SET NOT NULL too, same line)
      [path, 15, "error"],
      [path, 22, "error"], // DROP COLUMN in the raw SQL, at its own line
    ]);
    expect(report.problems).toEqual([]);
  });

  it("must not fire: commented-out and quoted calls, createTable callbacks, data updates, down()", async () => {
    const text = `import { Knex } from 'knex';
import { DbConnection } from '../db';

const setDisabledTimes = async (db: DbConnection, userIds: string[]) => {
	for (const userId of userIds) {
		await db('users').update({ disabled_time: Date.now() }).where('id', '=', userId);
	}
};

export const up = async (db: DbConnection) => {
	// table.dropColumn('enabled') once every client reads disabled_time
	await db.schema.alterTable('users', (table: Knex.CreateTableBuilder) => {
		table.bigInteger('disabled_time').defaultTo(0).notNullable();
		table.string('note', 64).nullable();
	});
	await db.schema.createTable('user_flags', (table: Knex.CreateTableBuilder) => {
		table.string('user_id', 32).notNullable();
		table.dropColumn('never_there');
	});
	console.info('next: table.dropColumn("enabled")');
	await setDisabledTimes(db, []);
};

export const down = async (db: DbConnection) => {
	await db.schema.alterTable('users', (table: Knex.CreateTableBuilder) => {
		table.dropColumn('disabled_time');
	});
	await db.schema.dropTable('user_flags');
};
`;
    const { found, report } = await review(path, text);
    expect(found).toEqual([]);
    expect(report.problems).toEqual([]);
  });

  it("exports.up = up with a helper it calls is followed", async () => {
    const text = `async function dropLegacy(knex) {
  await knex.schema.table("sessions", (t) => t.dropColumns("ip", "agent"));
}

async function up(knex) {
  await dropLegacy(knex);
}

exports.up = up;
exports.down = async () => {};
`;
    const { found } = await review("db/migrations/20260301120001_sessions.js", text);
    expect(found).toEqual([
      ["db/migrations/20260301120001_sessions.js", 2, "error"],
      ["db/migrations/20260301120001_sessions.js", 2, "error"],
    ]);
  });
});

describe("Sequelize (Outline layout)", () => {
  const path = "server/migrations/20260611000000-drop-team-legacy.js";

  it("must fire: removeColumn over several lines inside a transaction, NOT NULL addColumn, SQL held in a constant", async () => {
    const text = `"use strict";

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const dropSearch = \`
DROP TRIGGER teams_tsvectorupdate ON teams;
ALTER TABLE teams DROP COLUMN "searchVector";
\`;
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface
        .removeColumn(
          "teams",
          // unused since collaborative editing is always on
          "collaborativeEditing",
          { transaction }
        );
      await queryInterface.addColumn(
        "teams",
        "plan",
        {
          type: Sequelize.STRING,
          allowNull: false, // every team has a plan
        },
        { transaction }
      );
      await queryInterface.sequelize.query(dropSearch, { transaction });
    });
  },

  async down(queryInterface, Sequelize) {
    await queryInterface.addColumn("teams", "collaborativeEditing", { type: Sequelize.BOOLEAN });
  },
};
`;
    const { found, report } = await review(path, text);
    expect(found).toEqual([
      [path, 8, "error"], // DROP COLUMN inside the constant's SQL
      [path, 12, "error"], // removeColumn
      [path, 18, "error"], // addColumn allowNull: false without defaultValue
    ]);
    expect(report.problems).toEqual([]);
  });

  it("must not fire: defaults, nullable columns, comments and strings naming removeColumn, down()", async () => {
    const text = `"use strict";

module.exports = {
  up: async (queryInterface, Sequelize) => {
    // await queryInterface.removeColumn("teams", "collaborativeEditing");
    /* await queryInterface.dropTable("teams"); */
    await queryInterface.addColumn("teams", "plan", {
      type: Sequelize.STRING,
      allowNull: false,
      defaultValue: "free",
    });
    await queryInterface.addColumn("teams", "note", { type: Sequelize.TEXT, allowNull: true });
    console.log("queryInterface.removeColumn('teams', 'x') comes in the next release");
  },
  down: async (queryInterface) => {
    await queryInterface.removeColumn("teams", "plan");
    await queryInterface.removeColumn("teams", "note");
  },
};
`;
    const { found, report } = await review(path, text);
    expect(found).toEqual([]);
    expect(report.problems).toEqual([]);
  });

  it("SQL built at run time is noted, not judged", async () => {
    const text = `module.exports = {
  async up(queryInterface) {
    for (const table of ["teams", "users"]) {
      await queryInterface.sequelize.query(\`ALTER TABLE \${table} ADD COLUMN "x" int\`);
    }
  },
};
`;
    const { found, report } = await review(path, text);
    expect(found).toEqual([]);
    expect(report.notes.map(noteText).some((n) => n.includes(`${path}:4`) && n.includes("built at run time"))).toBe(true);
  });
});

describe("Sequelize changeColumn, judged against the column's earlier migrations (Outline layout)", () => {
  const dir = "server/migrations";
  // Earlier migrations: the tables as created, a column later made nullable, a column renamed.
  const earlier = {
    [`${dir}/20220521164111-create-webhook-subscriptions.js`]: `"use strict";
module.exports = {
  up: async (queryInterface, Sequelize) => {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.createTable(
        "webhook_subscriptions",
        {
          id: { type: Sequelize.UUID, allowNull: false, primaryKey: true },
          url: { type: Sequelize.STRING, allowNull: false },
          events: { type: Sequelize.ARRAY(Sequelize.STRING), allowNull: false },
          secret: Sequelize.STRING,
        },
        { transaction }
      );
    });
  },
  down: async (queryInterface) => queryInterface.dropTable("webhook_subscriptions"),
};
`,
    [`${dir}/20250331231413-add-oauth-clients.js`]: `"use strict";
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable("oauth_clients", {
      id: { type: Sequelize.UUID, primaryKey: true },
      developerUrl: { type: Sequelize.STRING, allowNull: true },
      avatarUrl: { type: Sequelize.STRING(255) },
      redirectUris: { type: Sequelize.ARRAY(Sequelize.STRING), allowNull: false, defaultValue: [] },
      createdById: { type: Sequelize.UUID, allowNull: false },
    });
  },
};
`,
    [`${dir}/20260215215401-update-oauth-clients.js`]: `"use strict";
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.changeColumn("oauth_clients", "createdById", { type: Sequelize.UUID, allowNull: true });
    await queryInterface.renameColumn("oauth_clients", "avatarUrl", "logoUrl");
  },
};
`,
  };
  const path = `${dir}/20260604140753-increase-url-column-lengths.js`;
  const text = `"use strict";

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.changeColumn(
        "webhook_subscriptions",
        "url",
        { type: Sequelize.STRING(1024), allowNull: false }, // was STRING (255), NOT NULL
        { transaction }
      );
      await queryInterface.changeColumn("oauth_clients", "developerUrl", { type: Sequelize.TEXT, allowNull: true }, { transaction });
      await queryInterface.changeColumn("oauth_clients", "logoUrl", { type: Sequelize.STRING(1024) }, { transaction });
      await queryInterface.changeColumn(
        "oauth_clients",
        "redirectUris",
        { type: Sequelize.ARRAY(Sequelize.STRING(1024)), allowNull: false, defaultValue: [] },
        { transaction }
      );
      await queryInterface.changeColumn("oauth_clients", "createdById", { type: Sequelize.UUID, allowNull: false }, { transaction });
      await queryInterface.changeColumn("webhook_subscriptions", "secret", { type: Sequelize.STRING(64) }, { transaction });
      await queryInterface.changeColumn("teams", "domain", { type: Sequelize.STRING(1024), allowNull: false }, { transaction });
    });
  },

  async down(queryInterface, Sequelize) {
    await queryInterface.changeColumn("webhook_subscriptions", "url", { type: Sequelize.STRING(255), allowNull: false });
  },
};
`;

  it("widening a string, STRING to TEXT and an allowNull: false that was already NOT NULL are no error; an array element type, a NULL column made NOT NULL and a narrowed string are", async () => {
    const { found, report } = await review(path, text, earlier);
    expect(found).toEqual([
      [path, 15, "error"], // ARRAY(STRING) -> ARRAY(STRING(1024)): Postgres rewrites an array whose element type changes
      [path, 21, "error"], // createdById allowed NULL since 20260215215401: SET NOT NULL
      [path, 22, "error"], // secret: STRING(255) -> STRING(64) narrows
    ]);
    expect(report.findings.map((f) => f.message.split(":")[0])).toEqual([
      "Sequelize migration changes the type of `oauth_clients.redirectUris` to ARRAY(STRING(1024))",
      "Sequelize migration sets NOT NULL on existing column `oauth_clients.createdById`",
      "Sequelize migration changes the type of `webhook_subscriptions.secret` to STRING(64)",
    ]);
    expect(report.problems).toEqual([]);
  });

  it("a column no earlier migration defines is noted as not judged, never an error", async () => {
    const { report } = await review(path, text, earlier);
    expect(report.notes.map(noteText).filter((n) => n.includes("not judged"))).toEqual([
      `destructive-migration: ${path}:23: no earlier definition of teams.domain found in earlier migrations; whether changeColumn changes its type or sets NOT NULL was not judged`,
    ]);
  });

  it("without the earlier migrations (a squashed history) nothing is an error", async () => {
    const { found } = await review(path, text);
    expect(found).toEqual([]);
  });
});

describe("TypeORM", () => {
  it("must fire (generated Postgres migration): template-literal SQL over lines, dropColumn over lines, NOT NULL TableColumn", async () => {
    const path = "src/migrations/1767225600000-UserTier.ts";
    const text = `import { MigrationInterface, QueryRunner, TableColumn } from "typeorm";

export class UserTier1767225600000 implements MigrationInterface {
  name = "UserTier1767225600000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      \`ALTER TABLE "user"
         DROP COLUMN "fax"\`,
    );
    await queryRunner.dropColumn(
      "user", // legacy contact data
      "telex",
    );
    // TableColumn is NOT NULL unless isNullable: true
    await queryRunner.addColumn("user", new TableColumn({ name: "tier", type: "varchar" }));
    await queryRunner.addColumn("user", new TableColumn({ name: "plan", type: "varchar", default: "'free'" }));
    await queryRunner.addColumn("user", new TableColumn({ name: "note", type: "text", isNullable: true }));
    await this.dropSessions(queryRunner);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`DROP TABLE "user"\`);
  }

  private async dropSessions(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`DROP TABLE "session"\`);
  }
}
`;
    const { found, report } = await review(path, text);
    expect(found).toEqual([
      [path, 9, "error"], // DROP COLUMN, at the SQL's own line
      [path, 11, "error"], // dropColumn
      [path, 16, "error"], // NOT NULL column without a default
      [path, 27, "error"], // DROP TABLE in the helper up() calls
    ]);
    expect(report.problems).toEqual([]);
  });

  it("migrations kept per database (migrations/mysql/) are TypeORM migrations; MySQL SQL is read by its dialect rules", async () => {
    const path = "packages/auth/migrations/mysql/1767225600001-remove_user_agent.ts";
    expect(migrationFramework(path, "import { MigrationInterface } from 'typeorm'")).toBe("TypeORM");
    const text = `import { MigrationInterface, QueryRunner } from 'typeorm'

export class removeUserAgent1767225600001 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX \`updated_with_user_agent\` ON \`users\`')
    await queryRunner.query('ALTER TABLE \`users\` DROP COLUMN \`updated_with_user_agent\`')
    await queryRunner.query('CREATE INDEX \`email\` ON \`users\` (\`email\`)')
  }

  public async down(): Promise<void> {
    return
  }
}
`;
    const { found, report } = await review(path, text);
    // DROP INDEX ... ON is MySQL's index drop (no data lost); MySQL has no CONCURRENTLY, so the index is not flagged.
    expect(found).toEqual([[path, 6, "error"]]);
    expect(report.problems).toEqual([]);
  });

  it("must not fire: queries in down(), comments and strings naming drops, nullable columns", async () => {
    const path = "src/migrations/1767225600002-Notes.ts";
    const text = `import { MigrationInterface, QueryRunner, Table } from "typeorm";

export class Notes1767225600002 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    // await queryRunner.query(\`DROP TABLE "note"\`);
    await queryRunner.createTable(
      new Table({ name: "note", columns: [{ name: "id", type: "uuid", isPrimary: true }] }),
    );
    const reason = "queryRunner.dropColumn('user', 'fax') waits for the next release";
    await queryRunner.query(\`COMMENT ON TABLE "note" IS 'DROP COLUMN later'\`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("note");
  }
}
`;
    const { found, report } = await review(path, text);
    expect(found).toEqual([]);
    expect(report.problems).toEqual([]);
  });
});

describe("bad input", () => {
  it("a migration the parser cannot read fails closed at its line", async () => {
    const path = "server/migrations/20260611000001-broken.js";
    const text = `module.exports = {\n  async up(queryInterface) {\n    await queryInterface.removeColumn("teams", "x";\n  },\n};\n`;
    const { report } = await review(path, text);
    expect(report.problems.map((p) => [p.file, p.line])).toEqual([[path, 3]]);
    expect(report.conclusion).toBe("error");
  });
});
