import type { ReviewView } from "../../engine/types.js";
import { isProtoPath, protoServiceLine } from "../contracts/kinds.js";
import type { ContractBreak } from "../contracts/contract-break.js";
import { isNotOwnContract } from "../openapi/spec.js";
import { packageFiles, protoImports } from "./package-files.js";
import {
  diffGeneratedNameOptions,
  diffProtoMessages,
  diffProtoServices,
  parseProtoFiles,
  reachableFromServices,
  type ProtoBreak,
} from "./protobuf.js";

/**
 * How strict the gRPC check is, after buf's breaking categories: `wire` (the binary encoding), `wire-json`
 * (also the JSON mapping gRPC-JSON transcoding and Connect clients use: field and enum value names), `file`
 * (also file options that name generated code: go_package, java_package, csharp_namespace...).
 */
export type GrpcLevel = "wire" | "wire-json" | "file";

/**
 * gRPC breaks in changed `.proto` files that define a service: removed services and RPCs, changed
 * request/response types and streaming, a package rename (every RPC's path changes), and the protobuf diff
 * of every message and enum the RPCs carry (field types, numbers, deletions without `reserved`, oneofs,
 * enum values). The file is compared with the other files of its package, as buf does.
 */
export async function grpcBreaks(ctx: ReviewView, level: GrpcLevel = "wire-json"): Promise<ContractBreak[]> {
  const out: ContractBreak[] = [];
  const seen = new Set<string>();
  for (const file of ctx.files) {
    if (!isProtoPath(file.path) || file.status === "added" || isNotOwnContract(file.path)) continue;
    const basePath = file.previousPath ?? file.path;
    const baseText = await ctx.text("base", basePath);
    if (baseText === undefined || protoServiceLine(baseText) === undefined) continue;
    const headText = file.status === "removed" ? "" : await ctx.text("head", file.path);
    if (headText === undefined) continue;
    const baseFiles = await packageFiles(ctx, "base", basePath, baseText);
    const before = parseProtoFiles(baseFiles, await protoImports(ctx, "base", baseFiles));
    if (!before.ok) {
      ctx.note(
        `the base version of ${before.file ?? basePath} does not parse (line ${before.line}: ${before.message}); its services were not compared`,
        "not-judged",
      );
      continue;
    }
    const headFiles = file.status === "removed" ? [{ name: file.path, text: "" }] : await packageFiles(ctx, "head", file.path, headText);
    const after = parseProtoFiles(headFiles, await protoImports(ctx, "head", headFiles));
    if (!after.ok) {
      const where = after.file ?? file.path;
      ctx.problem({ file: where, line: after.line, message: `cannot parse ${where}: ${after.message}` });
      continue;
    }
    const reachable = reachableFromServices(before.schema);
    const breaks: ProtoBreak[] = [...diffProtoServices(before.schema, after.schema)];
    for (const b of diffProtoMessages(before.schema, after.schema, { level: level === "wire" ? "wire" : "wire-json" })) {
      // The package names every RPC's path (/package.Service/Method); messages count when an RPC carries them.
      if (b.rule === "FILE_SAME_PACKAGE" || (b.subject !== undefined && reachable.has(b.subject))) breaks.push(b);
    }
    if (level === "file" && file.status !== "removed") breaks.push(...diffGeneratedNameOptions(baseText, headText));
    for (const b of breaks) {
      const where = b.file ?? (b.side === "base" ? basePath : file.path);
      const id = `${where}\0${b.key}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({
        side: b.side,
        file: where,
        line: b.line,
        operation: "gRPC",
        what: b.message,
        source: b.rule,
      });
    }
  }
  return out;
}
