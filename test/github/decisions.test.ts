import { describe, expect, it } from "vitest";
import { encodeRecord } from "../../src/engine/decisions.js";
import {
  deriveDecisions,
  hasCommand,
  loginsToResolve,
  parseCommands,
  type Authority,
  type CommentLike,
  type ReviewLike,
} from "../../src/github/decisions.js";
import { APP } from "./fake-github.js";

describe("parseCommands", () => {
  it("reads one command per line, keyword case-insensitive", () => {
    const body = [
      "Discussed in the architecture sync.",
      "/archgate waive DATA-f841a5 until 2026-06-30 reason: contract step of the expand/contract in #412",
      "/ARCHGATE Unwaive destructive-migration",
      "/archgate outcome rejected reason: reuse the orders service",
      "/archgate recheck",
      "/archgate help",
    ].join("\n");
    expect(parseCommands(body)).toEqual({
      commands: [
        { kind: "waive", line: 2, target: "DATA-f841a5", until: "2026-06-30", reason: "contract step of the expand/contract in #412" },
        { kind: "unwaive", line: 3, target: "destructive-migration" },
        { kind: "outcome", line: 4, outcome: "rejected", reason: "reuse the orders service", conditions: [] },
        { kind: "recheck", line: 5 },
        { kind: "help", line: 6 },
      ],
      errors: [],
    });
  });

  it("reads accepted-with-conditions with its condition lines and the review types it names", () => {
    const body = [
      "/archgate outcome accepted-with-conditions for service-design,data reason: ok for the pilot",
      "- Load test at 2x peak owner: @dana due: 2026-04-01 evidence: k6 report linked here",
      "- [ ] Runbook reviewed by on-call owner: @sre-lead gate: launch evidence: runbook PR",
      "thanks all",
    ].join("\n");
    expect(parseCommands(body)).toEqual({
      commands: [
        {
          kind: "outcome",
          line: 1,
          outcome: "accepted-with-conditions",
          reason: "ok for the pilot",
          reviewTypes: ["service-design", "data"],
          conditions: [
            { text: "Load test at 2x peak", owner: "dana", due: "2026-04-01", evidence: "k6 report linked here" },
            { text: "Runbook reviewed by on-call", owner: "sre-lead", gate: "launch", evidence: "runbook PR" },
          ],
        },
      ],
      errors: [],
    });
  });

  it("malformed commands are errors with the right syntax; code blocks and quotes are not commands", () => {
    const body = [
      "> /archgate waive DATA-f841a5 reason: quoted from someone else",
      "```",
      "/archgate outcome accepted",
      "```",
      "/archgate waive DATA-f841a5",
      "/archgate waive DATA-f841a5 until 2026-02-30 reason: x",
      "/archgate outcome approved",
      "/archgate outcome accepted-with-conditions",
      "/archgate outcome accepted-with-conditions",
      "- load test owner: @dana evidence: report",
      "/archgate frobnicate",
    ].join("\n");
    const { commands, errors } = parseCommands(body);
    expect(commands).toEqual([]);
    expect(errors.map((e) => [e.line, e.message, e.syntax.split("\n")[0]])).toEqual([
      [5, "a waiver needs a reason", "/archgate waive <ID|rule-id> [until YYYY-MM-DD] reason: <text>"],
      [6, '"2026-02-30" is not a date (YYYY-MM-DD)', "/archgate waive <ID|rule-id> [until YYYY-MM-DD] reason: <text>"],
      [7, '"approved" is not an outcome', expect.stringMatching(/^\/archgate outcome <accepted\|/)],
      [8, "accepted-with-conditions needs at least one condition line after it", expect.stringMatching(/^\/archgate outcome/)],
      [10, "a condition needs a due date (due: YYYY-MM-DD) or a gate (gate: launch)", expect.stringMatching(/^- <text> owner:/)],
      [11, 'unknown command "frobnicate"', "/archgate waive <ID|rule-id> [until YYYY-MM-DD] reason: <text>"],
    ]);
    expect(hasCommand("LGTM, /archgate is great")).toBe(false);
    expect(hasCommand("/archgate help")).toBe(true);
  });
});

const T0 = "2026-03-09T10:00:00Z";
let nextId = 500;
function comment(login: string, body: string, extra: Partial<CommentLike> = {}): CommentLike {
  return { id: nextId++, body, user: { login, type: "User" }, performed_via_github_app: null, created_at: T0, updated_at: T0, ...extra };
}

/** maria maintains the repository, alice (the author) and bob write, eve reads; tom is in acme/architects. */
const authority: Authority = {
  allowAuthor: false,
  may: (login, action) => login === "maria" || (action === "waive" && login === "tom"),
  describe: (action) =>
    action === "waive" ? "users with maintain permission or more, members of @acme/architects" : "users with maintain permission or more",
  writer: (login) => ["maria", "alice", "bob", "tom"].includes(login),
  reviewTypesOf: (login) => (login === "tom" ? ["service-design"] : []),
};
const pr = { author: "alice", app: APP };

describe("deriveDecisions", () => {
  it("the author's waiver is refused with who may; a maintainer's counts and gets a reaction", () => {
    const byAuthor = comment("alice", "/archgate waive destructive-migration reason: expand step shipped");
    const byMaintainer = comment("maria", "/archgate waive destructive-migration reason: expand step shipped in #412", {
      created_at: "2026-03-09T11:00:00Z",
      updated_at: "2026-03-09T11:00:00Z",
    });
    const derived = deriveDecisions([byAuthor, byMaintainer], [], authority, pr);
    expect(derived.waivers).toEqual([
      { id: `${byMaintainer.id}:1`, target: "destructive-migration", by: "maria", at: "2026-03-09T11:00:00Z", reason: "expand step shipped in #412" },
    ]);
    expect(derived.responses).toEqual([
      {
        commentId: byAuthor.id,
        react: false,
        reply:
          "- @alice cannot waive findings on their own pull request. Who may: users with maintain permission or more, members of @acme/architects (`authority.waive` in `.github/archgate.yml`).",
      },
      { commentId: byMaintainer.id, react: true },
    ]);
  });

  it("a reader's outcome is refused; the latest authorised outcome counts; unwaive removes a waiver", () => {
    const comments = [
      comment("maria", "/archgate waive DATA-f841a5 reason: known"),
      comment("maria", "/archgate outcome rejected reason: reuse orders", { created_at: "2026-03-09T10:01:00Z", updated_at: "2026-03-09T10:01:00Z" }),
      comment("eve", "/archgate outcome accepted", { created_at: "2026-03-09T10:02:00Z", updated_at: "2026-03-09T10:02:00Z" }),
      comment("maria", "/archgate outcome accepted\n/archgate unwaive data-f841a5", {
        created_at: "2026-03-09T10:03:00Z",
        updated_at: "2026-03-09T10:03:00Z",
      }),
    ];
    const derived = deriveDecisions(comments, [], authority, pr);
    expect(derived.waivers).toEqual([]);
    expect(derived.outcome).toEqual({ id: `${comments[3]!.id}:1`, outcome: "accepted", by: "maria", at: "2026-03-09T10:03:00Z", conditions: [] });
    expect(derived.responses.find((r) => r.commentId === comments[2]!.id)!.reply).toBe(
      "- @eve may not record the review outcome here. Who may: users with maintain permission or more (`authority.outcome` in `.github/archgate.yml`).",
    );
  });

  it("bots, the app, edited comments and pasted markers count for nothing", () => {
    const record = encodeRecord({ waivers: { "1:1:DATA-f841a5": "00000000" }, outcomes: {}, requested: ["service-design"] });
    const comments = [
      comment("dependabot[bot]", "/archgate waive destructive-migration reason: bot", { user: { login: "dependabot[bot]", type: "Bot" } }),
      comment("archgate[bot]", "/archgate waive destructive-migration reason: app", {
        user: { login: "archgate[bot]", type: "Bot" },
        performed_via_github_app: APP,
      }),
      comment("maria", "/archgate waive destructive-migration reason: edited later", { updated_at: "2026-03-09T12:00:00Z" }),
      comment("eve", `<!-- archgate:comment head=abc -->\n${record}\n| DATA-f841a5 | error (waived) |`),
    ];
    const derived = deriveDecisions(comments, [], authority, pr);
    expect(derived.waivers).toEqual([]);
    expect(derived.recorded).toEqual({ waivers: {}, outcomes: {}, requested: [] });
    expect(derived.own).toBeUndefined();
    expect(derived.responses).toEqual([
      { commentId: comments[2]!.id, react: false, reply: expect.stringMatching(/^This comment was edited after it was posted/) },
    ]);
    // The app's own comment is the only place its record is read from.
    const own = comment("archgate[bot]", `<!-- archgate:comment head=abc -->\n${record}`, {
      user: { login: "archgate[bot]", type: "Bot" },
      performed_via_github_app: APP,
    });
    expect(deriveDecisions([...comments, own], [], authority, pr).recorded.requested).toEqual(["service-design"]);
  });

  it("approvals: each reviewer's latest review; dismissed, author's and bots' never count", () => {
    const reviews: ReviewLike[] = [
      { id: 1, user: { login: "tom", type: "User" }, state: "APPROVED", commit_id: "h1", submitted_at: "2026-03-09T10:00:00Z" },
      { id: 2, user: { login: "tom", type: "User" }, state: "COMMENTED", commit_id: "h2", submitted_at: "2026-03-09T10:05:00Z" },
      { id: 3, user: { login: "bob", type: "User" }, state: "APPROVED", commit_id: "h2", submitted_at: "2026-03-09T10:00:00Z" },
      { id: 4, user: { login: "bob", type: "User" }, state: "DISMISSED", commit_id: "h2", submitted_at: "2026-03-09T10:06:00Z" },
      { id: 5, user: { login: "alice", type: "User" }, state: "APPROVED", commit_id: "h2", submitted_at: "2026-03-09T10:07:00Z" },
      { id: 6, user: { login: "ci[bot]", type: "Bot" }, state: "APPROVED", commit_id: "h2", submitted_at: "2026-03-09T10:07:00Z" },
      { id: 7, user: { login: "maria", type: "User" }, state: "CHANGES_REQUESTED", commit_id: "h2", submitted_at: "2026-03-09T10:00:00Z" },
    ];
    expect(deriveDecisions([], reviews, authority, pr).approvals).toEqual([
      { login: "tom", at: "2026-03-09T10:00:00Z", commitId: "h1", writer: true, waiveAuthority: true, reviewTypes: ["service-design"] },
    ]);
    const logins = loginsToResolve([comment("bob", "/archgate waive x reason: y"), comment("eve", "/archgate help")], reviews, APP);
    expect([[...logins.commanders], [...logins.approvers].sort()]).toEqual([["bob"], ["alice", "tom"]]);
  });
});
