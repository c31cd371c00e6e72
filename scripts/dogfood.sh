#!/bin/sh
# Runs archgate on its own last commit with the repository's .github/archgate.yml (read at the base
# revision by the CLI). Exit status: 0 passed, 1 a hard constraint failed, 2 the review could not run.
set -eu
cd "$(dirname "$0")/.."
base="${1:-HEAD~1}"
head="${2:-HEAD}"
if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  echo "dogfood: base revision $base does not exist (shallow clone?); fetch more history" >&2
  exit 2
fi
status=0
npx tsx src/cli.ts check --repo . --base "$base" --head "$head" --format markdown || status=$?
if [ "$status" -ne 0 ]; then
  echo "dogfood: archgate check failed with exit status $status" >&2
fi
exit "$status"
