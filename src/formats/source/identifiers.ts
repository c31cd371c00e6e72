/** Identifier words and the sensitive-name matching shared by `pii-in-logs` and `metric-label-cardinality`. */

/** `userEmail`, `user_email`, `USER-EMAIL`, `getEmail` -> ["user", "email"] ... (lower case). */
export function identifierWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** A sensitive thing and the word sequences that name it. */
export interface NamedConcept {
  /** As configured, e.g. `cardNumber`. */
  name: string;
  /** Word sequences that must end the identifier, e.g. [["card","number"], ["pan"]]. */
  aliases: string[][];
  /** Words that, right before the alias, mean something else (`ip address`, `page token`). */
  notAfter?: string[];
  /**
   * The bare single-word alias is ambiguous (`address` of a server vs of a person): it only counts when the
   * value belongs to an owner named like one of these (`customer.address`, `user.address`).
   */
  bareNeedsOwner?: { word: string; owners: string[] };
}

/** Words that turn a sensitive name into a harmless one when they lead the identifier. */
const HARMLESS_LEADING = new Set([
  "has",
  "is",
  "should",
  "can",
  "did",
  "was",
  "needs",
  "num",
  "count",
  "total",
  "max",
  "min",
  "masked",
  "hashed",
  "redacted",
  "encrypted",
  "anonymized",
  "anonymised",
  "obfuscated",
  "sanitized",
  "truncated",
  "valid",
  "invalid",
  "missing",
]);

/**
 * Does `name` (one identifier) end with one of the concept's aliases? `owner` is the identifier the value
 * belongs to (`customer` in `customer.address`), when there is one.
 */
export function namesConcept(name: string, concept: NamedConcept, owner?: string): boolean {
  let words = identifierWords(name);
  if (words.length > 1 && (words[0] === "get" || words[0] === "to")) words = words.slice(1);
  if (words.length === 0) return false;
  for (const alias of concept.aliases) {
    if (words.length < alias.length) continue;
    const tail = words.slice(words.length - alias.length);
    if (!tail.every((w, i) => w === alias[i])) continue;
    const before = words.slice(0, words.length - alias.length);
    if (before.some((w) => HARMLESS_LEADING.has(w))) continue;
    const previous = before.at(-1);
    if (previous && concept.notAfter?.includes(previous)) continue;
    const bare = concept.bareNeedsOwner;
    if (bare && words.length === 1 && words[0] === bare.word) {
      const ownerWords = owner ? identifierWords(owner) : [];
      if (!ownerWords.some((w) => bare.owners.includes(w.replace(/s$/, "")))) continue;
    }
    return true;
  }
  return false;
}

/** Built-in aliases for well-known field names; any other configured name matches by its own words. */
const KNOWN: Record<string, Omit<NamedConcept, "name">> = {
  email: { aliases: [["email"], ["email", "address"], ["e", "mail"], ["mail", "address"]] },
  phone: { aliases: [["phone"], ["phone", "number"], ["mobile"], ["mobile", "number"], ["msisdn"], ["telephone"], ["tel"]] },
  password: { aliases: [["password"], ["passwd"], ["pwd"], ["passphrase"]] },
  token: {
    aliases: [["token"], ["jwt"], ["bearer"]],
    notAfter: ["page", "next", "continuation", "cancellation", "pagination", "cursor", "sync", "lexer", "csrf", "xsrf", "parse", "end", "start"],
  },
  ssn: { aliases: [["ssn"], ["social", "security", "number"], ["national", "id"], ["tax", "id"]] },
  cardnumber: {
    aliases: [["card", "number"], ["credit", "card"], ["credit", "card", "number"], ["pan"], ["cc", "number"], ["card", "no"], ["cvv"], ["cvc"]],
  },
  address: {
    aliases: [["address"], ["street"], ["street", "address"], ["address", "line", "1"], ["address", "line1"], ["postal", "address"]],
    bareNeedsOwner: {
      word: "address",
      owners: [
        "user",
        "customer",
        "person",
        "profile",
        "member",
        "patient",
        "employee",
        "contact",
        "recipient",
        "buyer",
        "shopper",
        "billing",
        "shipping",
        "delivery",
        "home",
        "applicant",
        "guest",
        "subscriber",
        "client",
      ],
    },
    notAfter: [
      "ip",
      "mac",
      "remote",
      "local",
      "email",
      "mail",
      "server",
      "host",
      "bind",
      "listen",
      "wallet",
      "contract",
      "memory",
      "base",
      "web",
      "url",
      "socket",
      "peer",
      "network",
      "net",
      "hardware",
      "ether",
      "bluetooth",
      "broadcast",
      "public",
      "private",
      "proxy",
      "client",
      "node",
      "advertise",
      "advertised",
      "gateway",
      "return",
    ],
  },
  dateofbirth: { aliases: [["date", "of", "birth"], ["dob"], ["birth", "date"], ["birthdate"], ["birthday"]] },
};

export function concept(name: string): NamedConcept {
  const known = KNOWN[name.toLowerCase().replace(/[^a-z0-9]/g, "")];
  return known ? { name, ...known } : { name, aliases: [identifierWords(name)] };
}

/** Identifier chains in masked code (`user.email`, `this.req.body.phone`, `u.GetEmail()`), with offsets. */
export function identifierChains(masked: string): { text: string; last: string; owner?: string; index: number; end: number }[] {
  const chains: { text: string; last: string; owner?: string; index: number; end: number }[] = [];
  const re = /(?<![\w$.])[A-Za-z_$][\w$]*(?:\s*(?:\?\.|\.|!\.)\s*[A-Za-z_$][\w$]*)*/g;
  for (const m of masked.matchAll(re)) {
    const segments = m[0].split(/\s*(?:\?\.|!\.|\.)\s*/);
    chains.push({ text: m[0].replace(/\s+/g, ""), last: segments.at(-1)!, owner: segments.at(-2), index: m.index!, end: m.index! + m[0].length });
  }
  return chains;
}
