// A Dangerfile that does what archgate's triggers do by file name only (no contents read): the Danger side of
// `npm run bench:danger`. Plain JavaScript, so Danger needs no TypeScript transpiler to run it.
const { danger, message, warn } = require("danger");

const rules = [
  ["new-service", ["**/Dockerfile", "**/Chart.yaml", "**/docker-compose*.yml", "**/compose*.yaml", "**/catalog-info.yaml"]],
  ["api-contract", ["**/openapi*.{yml,yaml,json}", "**/swagger*.{yml,yaml,json}", "**/*.graphql", "**/*.proto"]],
  ["event-contract", ["**/asyncapi*.{yml,yaml,json}", "**/*.avsc", "**/schemas/**/*.json"]],
  ["schema-migration", ["**/migrations/**", "**/migrate/**", "**/*.sql", "**/prisma/schema.prisma", "**/changelog*.{xml,yml,yaml}"]],
  ["infra-change", ["**/*.tf", "**/k8s/**/*.{yml,yaml}", "**/kubernetes/**/*.{yml,yaml}", "**/helm/**", "**/kustomization.yaml"]],
];

for (const [id, globs] of rules) {
  const match = danger.git.fileMatch(...globs);
  if (match.created || match.deleted)
    warn(`${id}: files added or removed (${[...match.getKeyedPaths().created, ...match.getKeyedPaths().deleted].length})`);
  else if (match.edited) message(`${id}: files changed (${match.getKeyedPaths().edited.length})`);
}
