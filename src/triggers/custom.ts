import { matchesAny } from "../engine/globs.js";
import type { CustomTriggerConfig, EngineConfig } from "../engine/config.js";
import type { TriggerHit, TriggerModule } from "../engine/types.js";

/**
 * The triggers a repository defines in `triggers.custom`: a changed file (at its path or its previous path)
 * matching `paths` and not only `excludePaths` hits, narrowed by `content` patterns to files where a line
 * the PR adds or removes matches one.
 */
export function customTriggers(config: EngineConfig): TriggerModule[] {
  return config.triggers.custom.map(customTrigger);
}

function customTrigger(custom: CustomTriggerConfig): TriggerModule {
  const patterns = custom.content.map((source) => new RegExp(source, "m"));
  return {
    meta: {
      id: custom.id,
      title: custom.title,
      description: custom.reason ?? `changes to ${custom.paths.join(", ")}`,
      reviewType: custom.reviewType,
      dimensions: custom.dimensions,
    },
    async detect(ctx) {
      const hits: TriggerHit[] = [];
      for (const file of ctx.files) {
        const paths = [file.path, ...(file.previousPath ? [file.previousPath] : [])];
        if (!paths.some((p) => matchesAny(p, custom.paths)) || paths.every((p) => matchesAny(p, custom.excludePaths))) continue;
        if (patterns.length === 0) {
          hits.push({ file: file.path, reason: custom.reason ?? `changes ${file.path}` });
          continue;
        }
        const lines = [...(await ctx.addedLines(file.path)), ...ctx.removedLines(file.path)];
        const match = lines.find((l) => patterns.some((p) => p.test(l.text)));
        if (match) hits.push({ file: file.path, line: match.line, reason: custom.reason ?? `changes ${file.path} (matches a content pattern)` });
      }
      return hits;
    },
  };
}
