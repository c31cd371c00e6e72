import type { ReviewView } from "../../engine/types.js";
import { isProtoPath, protoServiceLine } from "../contracts/kinds.js";
import { diffProtoServices, parseProto } from "./protobuf.js";
import type { ContractBreak } from "../contracts/contract-break.js";
import { isNotOwnContract } from "../openapi/spec.js";

/**
 * gRPC service breaks in changed `.proto` files: removed services and RPCs, changed request/response
 * types and streaming. The diff itself is the event-contract rule's protobuf module (message-level
 * breaks belong to breaking-event-change); this only looks at files that define a service.
 */
export async function grpcBreaks(ctx: ReviewView): Promise<ContractBreak[]> {
  const out: ContractBreak[] = [];
  for (const file of ctx.files) {
    if (!isProtoPath(file.path) || file.status === "added" || isNotOwnContract(file.path)) continue;
    const basePath = file.previousPath ?? file.path;
    const baseText = await ctx.text("base", basePath);
    if (baseText === undefined || protoServiceLine(baseText) === undefined) continue;
    const before = parseProto(baseText);
    if (!before.ok) {
      ctx.note(
        `the base version of ${basePath} does not parse (line ${before.line}: ${before.message}); its services were not compared`,
        "not-judged",
      );
      continue;
    }
    const headText = file.status === "removed" ? "" : await ctx.text("head", file.path);
    if (headText === undefined) continue;
    const after = parseProto(headText);
    if (!after.ok) {
      ctx.problem({ file: file.path, line: after.line, message: `cannot parse ${file.path}: ${after.message}` });
      continue;
    }
    for (const b of diffProtoServices(before.schema, after.schema)) {
      out.push({
        side: b.side,
        file: b.side === "base" ? basePath : file.path,
        line: b.line,
        operation: "gRPC",
        what: b.message,
        source: b.rule,
      });
    }
  }
  return out;
}
