/**
 * Messaging declared in code: producers and consumers with their topic, queue or subject names (Kafka
 * through Spring's KafkaTemplate/@KafkaListener, kafkajs, confluent-kafka/kafka-python, sarama/kafka-go;
 * RabbitMQ through Spring AMQP, amqplib, pika, the Go and .NET clients; NATS; SNS/SQS with literal names),
 * and event classes with their fields (Java/Kotlin classes and records, C# records and classes, Python
 * classes, TypeScript interfaces) whose name and type say they are events.
 *
 * Only static names count: a topic read from configuration is no contract this file states.
 */
import { argsAt, lineAt, stringConstants, stringValues, type Args, type CodeSource } from "./code-model.js";
import { closingOffset } from "./masking.js";

export type Role = "producer" | "consumer";

export interface CodeTopic {
  /** Topic, queue, exchange or subject name. */
  name: string;
  role: Role;
  /** Kafka, RabbitMQ, NATS, SNS, SQS. */
  broker: string;
  line: number;
}

export interface EventField {
  name: string;
  type: string;
  line: number;
}

export interface EventClass {
  name: string;
  line: number;
  fields: EventField[];
  /** What says it is published: an integration-event base type, a domain-event interface, an events package. */
  evidence: string;
  /** Published to other services (an integration event, a class of a published API module), not an in-process notification. */
  published: boolean;
}

export interface FileMessaging {
  topics: CodeTopic[];
  events: EventClass[];
  /** Class names this file passes to a publish/send call or registers a handler for. */
  eventUses: Set<string>;
}

const MESSAGING_HINT =
  /kafka|KafkaListener|RabbitListener|rabbit|amqp|pika|\bnats\b|sarama|confluent|\bSNS|\bSQS|sns|sqs|TopicArn|QueueUrl|Event\b|Event\s*[({:<,]|IntegrationEvent|DomainEvent|EventBus|eventBus|publish/i;

export function mayDeclareMessaging(text: string): boolean {
  return MESSAGING_HINT.test(text);
}

/** Topics, event classes and event uses of a source file (`declares`: `mayDeclareMessaging` of its text, when known). */
export function extractMessaging(src: CodeSource, declares = mayDeclareMessaging(src.text)): FileMessaging {
  const out: FileMessaging = { topics: [], events: [], eventUses: new Set() };
  if (!declares) return out;
  const constants = stringConstants(src);
  topics(src, constants, out);
  eventUses(src, out);
  eventClasses(src, out);
  return out;
}

// ------------------------------------------------------------------ topics

interface CallPattern {
  re: RegExp;
  role: Role;
  broker: string;
  /** Where the name is: a positional index, a named argument, or a property of an object argument. */
  /** Where the name is: a named argument, a property of an object literal, or positional arguments tried in order (negative: from the end). */
  name: { positional?: number | number[]; named?: string[]; property?: string[] };
}

const KAFKA_RECEIVER = "[\\w.]*(?:kafka|Kafka|producer|Producer|template|Template)[\\w]*";
const RABBIT_RECEIVER = "[\\w.]*(?:rabbit|Rabbit|amqp|Amqp|channel|Channel|ch|chan)\\w*";
const NATS_RECEIVER = "[\\w.]*(?:nats|Nats|nc|conn|js|jetstream|JetStream)\\w*";

const CALLS: Record<string, CallPattern[]> = {
  java: [
    { re: new RegExp(`\\b${KAFKA_RECEIVER}\\s*\\.\\s*(send|sendDefault)\\s*\\(`, "g"), role: "producer", broker: "Kafka", name: { positional: 0 } },
    { re: /@KafkaListener\s*\(/g, role: "consumer", broker: "Kafka", name: { named: ["topics", "value"] } },
    { re: /@RabbitListener\s*\(/g, role: "consumer", broker: "RabbitMQ", name: { named: ["queues", "value"] } },
    {
      // (exchange, routingKey, …), or (routingKey, message): the exchange, or the key on the default exchange "".
      re: new RegExp(`\\b${RABBIT_RECEIVER}\\s*\\.\\s*(convertAndSend|basicPublish)\\s*\\(`, "g"),
      role: "producer",
      broker: "RabbitMQ",
      name: { positional: [0, 1] },
    },
    // The plain Java client: basicConsume(queue, autoAck, callback, …).
    { re: new RegExp(`\\b${RABBIT_RECEIVER}\\s*\\.\\s*basicConsume\\s*\\(`, "g"), role: "consumer", broker: "RabbitMQ", name: { positional: 0 } },
    { re: /\bforAggregateType\s*\(/g, role: "consumer", broker: "event channel", name: { positional: 0 } },
  ],
  js: [
    { re: /\.\s*send\s*\(\s*\{/g, role: "producer", broker: "Kafka", name: { property: ["topic"] } },
    { re: /\.\s*subscribe\s*\(\s*\{/g, role: "consumer", broker: "Kafka", name: { property: ["topic", "topics"] } },
    {
      re: new RegExp(`\\b${KAFKA_RECEIVER}\\s*\\.\\s*(send|produce|publish)\\s*\\(\\s*(?=["'\`])`, "g"),
      role: "producer",
      broker: "Kafka",
      name: { positional: 0 },
    },
    {
      re: new RegExp(`\\b${RABBIT_RECEIVER}\\s*\\.\\s*(sendToQueue|publish)\\s*\\(`, "g"),
      role: "producer",
      broker: "RabbitMQ",
      name: { positional: 0 },
    },
    { re: new RegExp(`\\b${RABBIT_RECEIVER}\\s*\\.\\s*consume\\s*\\(`, "g"), role: "consumer", broker: "RabbitMQ", name: { positional: 0 } },
    { re: new RegExp(`\\b${NATS_RECEIVER}\\s*\\.\\s*publish\\s*\\(`, "g"), role: "producer", broker: "NATS", name: { positional: 0 } },
    { re: new RegExp(`\\b${NATS_RECEIVER}\\s*\\.\\s*subscribe\\s*\\(`, "g"), role: "consumer", broker: "NATS", name: { positional: 0 } },
    { re: /\bnew\s+PublishCommand\s*\(\s*\{/g, role: "producer", broker: "SNS", name: { property: ["TopicArn"] } },
    { re: /\bnew\s+SendMessage(Batch)?Command\s*\(\s*\{/g, role: "producer", broker: "SQS", name: { property: ["QueueUrl"] } },
  ],
  python: [
    { re: /\b\w*(producer|kafka)\w*\s*\.\s*(produce|send)\s*\(/gi, role: "producer", broker: "Kafka", name: { positional: 0, named: ["topic"] } },
    { re: /\b\w*consumer\w*\s*\.\s*subscribe\s*\(/gi, role: "consumer", broker: "Kafka", name: { positional: 0, named: ["topics"] } },
    { re: /\bKafkaConsumer\s*\(/g, role: "consumer", broker: "Kafka", name: { positional: 0 } },
    { re: /\.\s*basic_publish\s*\(/g, role: "producer", broker: "RabbitMQ", name: { named: ["routing_key", "exchange"] } },
    { re: /\.\s*basic_consume\s*\(/g, role: "consumer", broker: "RabbitMQ", name: { named: ["queue"], positional: 0 } },
    { re: /\b\w*(nc|nats|js)\s*\.\s*publish\s*\(/g, role: "producer", broker: "NATS", name: { positional: 0 } },
    { re: /\b\w*(nc|nats|js)\s*\.\s*subscribe\s*\(/g, role: "consumer", broker: "NATS", name: { positional: 0 } },
  ],
  go: [
    { re: /\bsarama\.ProducerMessage\s*\{/g, role: "producer", broker: "Kafka", name: { property: ["Topic"] } },
    { re: /\bkafka\.(Writer|Message)\s*\{/g, role: "producer", broker: "Kafka", name: { property: ["Topic"] } },
    { re: /\bkafka\.ReaderConfig\s*\{/g, role: "consumer", broker: "Kafka", name: { property: ["Topic"] } },
    { re: /\.\s*ConsumePartition\s*\(/g, role: "consumer", broker: "Kafka", name: { positional: 0 } },
    { re: new RegExp(`\\b${NATS_RECEIVER}\\s*\\.\\s*Publish\\s*\\(\\s*(?=["\`])`, "g"), role: "producer", broker: "NATS", name: { positional: 0 } },
    {
      re: new RegExp(`\\b${NATS_RECEIVER}\\s*\\.\\s*(Subscribe|QueueSubscribe)\\s*\\(\\s*(?=["\`])`, "g"),
      role: "consumer",
      broker: "NATS",
      name: { positional: 0 },
    },
    // amqp091's Publish(exchange, key, mandatory, immediate, msg) and PublishWithContext(ctx, exchange, key, …): the
    // exchange, or the routing key when it is the default exchange "".
    { re: /\b\w*(ch|channel)\s*\.\s*(Publish|PublishWithContext)\s*\(/gi, role: "producer", broker: "RabbitMQ", name: { positional: [-5, -4] } },
    { re: /\b\w*(ch|channel)\s*\.\s*Consume\s*\(/gi, role: "consumer", broker: "RabbitMQ", name: { positional: 0 } },
    { re: /\b\w*(ch|channel)\s*\.\s*ConsumeWithContext\s*\(/gi, role: "consumer", broker: "RabbitMQ", name: { positional: 1 } },
  ],
  csharp: [
    { re: /\.\s*BasicPublish(Async)?\s*\(/g, role: "producer", broker: "RabbitMQ", name: { named: ["exchange", "routingKey"], positional: 0 } },
    { re: /\.\s*BasicConsume(Async)?\s*\(/g, role: "consumer", broker: "RabbitMQ", name: { named: ["queue"], positional: 0 } },
    { re: /\.\s*ProduceAsync\s*\(/g, role: "producer", broker: "Kafka", name: { positional: 0 } },
  ],
};
CALLS.kotlin = CALLS.java!;

function topics(src: CodeSource, constants: Map<string, string>, out: FileMessaging): void {
  const patterns = CALLS[src.language] ?? [];
  for (const pattern of patterns) {
    pattern.re.lastIndex = 0;
    for (let m = pattern.re.exec(src.masked); m; m = pattern.re.exec(src.masked)) {
      const open = src.masked.lastIndexOf("(", m.index + m[0].length) >= m.index ? src.masked.lastIndexOf("(", m.index + m[0].length) : -1;
      const brace = m[0].trimEnd().endsWith("{") ? m.index + m[0].trimEnd().length - 1 : -1;
      let names: string[] | undefined;
      if (pattern.name.property) {
        const objectAt = brace >= 0 ? brace : src.masked.indexOf("{", open);
        names = propertyValues(src, objectAt, pattern.name.property, constants);
      } else if (open >= 0) {
        const args = argsAt(src, open);
        if (args) names = argNames(src, args, pattern, constants);
      }
      const line = lineAt(src, m.index + (m[0].length - m[0].trimStart().length));
      for (const name of names ?? []) if (plausibleName(name)) out.topics.push({ name, role: pattern.role, broker: pattern.broker, line });
    }
  }
}

function argNames(src: CodeSource, args: Args, pattern: CallPattern, constants: Map<string, string>): string[] | undefined {
  for (const name of pattern.name.named ?? []) {
    const range = args.named.get(name);
    if (range) {
      const v = stringValues(src, range.start, range.end, constants);
      if (v?.some((x) => x !== "")) return v.filter((x) => x !== "");
    }
  }
  if (pattern.name.positional === undefined) return undefined;
  // Several places are tried in order (an exchange, then its routing key): an empty name ("" is the default exchange) goes on.
  for (const at of [pattern.name.positional].flat()) {
    const range = args.positional[at < 0 ? args.positional.length + at : at];
    const names = range && stringValues(src, range.start, range.end, constants)?.filter((x) => x !== "");
    if (names?.length) return names;
  }
  return undefined;
}

function propertyValues(src: CodeSource, objectAt: number, keys: string[], constants: Map<string, string>): string[] | undefined {
  if (objectAt < 0 || src.masked[objectAt] !== "{") return undefined;
  const close = closingOffset(src.masked, objectAt);
  if (close === undefined) return undefined;
  const body = src.masked.slice(objectAt + 1, close - 1);
  for (const key of keys) {
    const m = new RegExp(`(^|[\\s,{])${key}\\s*:\\s*`).exec(body);
    if (!m) continue;
    const start = objectAt + 1 + m.index + m[0].length;
    let end = start;
    let depth = 0;
    while (end < close - 1) {
      const ch = src.masked[end]!;
      if (ch === "[" || ch === "(" || ch === "{") depth++;
      else if (ch === "]" || ch === ")" || ch === "}") depth--;
      else if ((ch === "," || ch === "\n") && depth === 0) break;
      end++;
    }
    return stringValues(src, start, end, constants);
  }
  return undefined;
}

/** A topic/queue name: no spaces, not a URL path or a format string, not empty. */
function plausibleName(name: string): boolean {
  return name.length > 0 && name.length <= 249 && !/\s|[$#]\{|%[sd]/.test(name) && !name.startsWith("/") && !/^https?:/.test(name);
}

// ------------------------------------------------------------------ event classes

/** Base types and interfaces that make a class an event published to other services. */
const PUBLISHED_BASE =
  /\b(IntegrationEvent|IIntegrationEvent|\w*DomainEvent|IEvent|DomainEvent|Event|SpecificRecord(Base)?|Message|IMessage|CloudEvent)\b/;
const INTEGRATION_BASE = /\b(IntegrationEvent|IIntegrationEvent|\w+DomainEvent|SpecificRecordBase)\b/;
/** Directories that hold a service's published events or its published API module. */
const EVENT_PLACE = /(^|\/)(events?|integration-?events?|integrationevents|messages|messaging|contracts)(\/|$)|(^|\/)[\w.-]*-api\//i;

function eventUses(src: CodeSource, out: FileMessaging): void {
  const patterns = [
    /\b(?:publish|Publish|PublishAsync|publishEvent|send|Send|SendAsync|emit|raise|Raise|AddDomainEvent|addDomainEvent|registerEvent)\w*\s*\(\s*(?:\w+\s*,\s*)*new\s+([A-Z]\w*)/g,
    /\.(?:onEvent|Subscribe|AddSubscription|subscribe)\s*<?\s*\(?\s*([A-Z]\w*)(?:\.class|\s*,|\s*>)/g,
    /\bsingletonList\s*\(\s*new\s+([A-Z]\w*)/g,
  ];
  for (const re of patterns) for (const m of src.masked.matchAll(re)) out.eventUses.add(m[1]!);
}

function isEventName(name: string): boolean {
  return (
    /(Event|IntegrationEvent|Message)$/.test(name) && !/^(Domain|Integration)?Event$|Handler|Listener|Publisher|Bus|Dispatcher|Service/.test(name)
  );
}

function eventClasses(src: CodeSource, out: FileMessaging): void {
  switch (src.language) {
    case "java":
    case "kotlin":
    case "csharp":
      braceClasses(src, out);
      break;
    case "python":
      pythonClasses(src, out);
      break;
    case "js":
      tsInterfaces(src, out);
      break;
  }
}

const CLASS_HEADER =
  /\b(?:(data|record)\s+)?(class|record|struct|interface)\s+([A-Z]\w*)\s*(<[^>{]*>)?\s*(\(([^)]*)\))?([^{;\n]*(?:\n[ \t]*(?:implements\b|extends\b|:|,|where\b)[^{;\n]*)*)\s*([{;]?)/g;

function braceClasses(src: CodeSource, out: FileMessaging): void {
  CLASS_HEADER.lastIndex = 0;
  for (let m = CLASS_HEADER.exec(src.masked); m; m = CLASS_HEADER.exec(src.masked)) {
    const name = m[3]!;
    if (!isEventName(name) || m[2] === "interface") continue;
    const heritage = `${m[7] ?? ""}`;
    const fields: EventField[] = [];
    // Positional parameters: C#/Java records, Kotlin data classes.
    if (m[6] !== undefined) {
      const open = m.index + m[0].indexOf("(");
      const args = argsAt(src, open);
      for (const r of args?.positional ?? []) {
        const piece = src.masked
          .slice(r.start, r.end)
          .replace(/@\w+(\([^)]*\))?/g, "")
          .trim();
        const kotlin = /^(?:val|var)\s+(\w+)\s*:\s*(.+?)(\s*=.*)?$/.exec(piece);
        const typed = /^(.+?)\s+(\w+)(\s*=.*)?$/.exec(piece);
        if (kotlin) fields.push({ name: kotlin[1]!, type: kotlin[2]!.replace(/\s+/g, ""), line: lineAt(src, r.start) });
        else if (typed) fields.push({ name: typed[2]!, type: typed[1]!.replace(/\s+/g, ""), line: lineAt(src, r.start) });
      }
    }
    if (m[8] === "{") {
      const bodyStart = m.index + m[0].length - 1;
      if (src.masked[bodyStart] !== "{") continue;
      const bodyEnd = closingOffset(src.masked, bodyStart, 200_000) ?? src.masked.length;
      fields.push(...memberFields(src, bodyStart + 1, bodyEnd - 1));
    }
    const published = INTEGRATION_BASE.test(heritage) || (EVENT_PLACE.test(src.path) && PUBLISHED_BASE.test(heritage));
    const evidence =
      INTEGRATION_BASE.exec(heritage)?.[0] ?? (EVENT_PLACE.test(src.path) ? `${PUBLISHED_BASE.exec(heritage)?.[0] ?? "event"} in ${src.path}` : "");
    if (!PUBLISHED_BASE.test(heritage) && !EVENT_PLACE.test(src.path)) continue;
    out.events.push({ name, line: lineAt(src, m.index + m[0].indexOf(name)), fields, evidence, published });
  }
}

/** Instance fields and properties at the top level of a class body (Java fields, C# auto-properties, Kotlin properties). */
function memberFields(src: CodeSource, start: number, end: number): EventField[] {
  const out: EventField[] = [];
  let depth = 0;
  let stmtStart = start;
  for (let i = start; i < end; i++) {
    const ch = src.masked[i]!;
    if (ch === "{" || ch === "(") {
      if (depth === 0 && ch === "{") {
        // A C# property `public T Name { get; init; }` or a method body.
        const head = src.masked.slice(stmtStart, i).trim();
        const prop = /^(?:\[[^\]]*\]\s*)*(?:public|internal)\s+(?:required\s+|virtual\s+|override\s+)*([\w<>,.?[\]\s]+?)\s+([A-Z]\w*)\s*$/.exec(head);
        const close = closingOffset(src.masked, i, 20_000) ?? end;
        if (prop && /\bget\b/.test(src.masked.slice(i, close)) && !/\bstatic\b/.test(head))
          out.push({ name: prop[2]!, type: prop[1]!.replace(/\s+/g, ""), line: lineAt(src, stmtStart + src.masked.slice(stmtStart).search(/\S/)) });
        i = close - 1;
        stmtStart = close;
        continue;
      }
      depth++;
    } else if (ch === "}" || ch === ")") depth--;
    else if (ch === ";" && depth === 0) {
      const stmt = src.masked
        .slice(stmtStart, i)
        .replace(/@\w+(\([^)]*\))?/g, "")
        .trim();
      const field = /^(?:(?:private|protected|public|final|transient|volatile|readonly|internal)\s+)*([\w<>,.?[\]\s]+?)\s+(\w+)\s*(=.*)?$/s.exec(
        stmt,
      );
      if (field && !/\bstatic\b|\bconst\b|\breturn\b|\(/.test(stmt) && !/^(package|import|using)$/.test(field[1]!.trim()))
        out.push({ name: field[2]!, type: field[1]!.replace(/\s+/g, ""), line: lineAt(src, stmtStart + src.masked.slice(stmtStart).search(/\S/)) });
      stmtStart = i + 1;
    } else if (ch === "\n" && depth === 0 && src.language === "kotlin") {
      const stmt = src.masked.slice(stmtStart, i).trim();
      const prop = /^(?:(?:private|public|override)\s+)*(?:val|var)\s+(\w+)\s*:\s*([\w<>,.?\s]+?)(\s*=.*)?$/.exec(stmt);
      if (prop)
        out.push({ name: prop[1]!, type: prop[2]!.replace(/\s+/g, ""), line: lineAt(src, stmtStart + src.masked.slice(stmtStart).search(/\S/)) });
      stmtStart = i + 1;
    }
    if (ch === "}" && depth === 0) stmtStart = i + 1;
  }
  return out;
}

function pythonClasses(src: CodeSource, out: FileMessaging): void {
  for (const m of src.masked.matchAll(/^class\s+([A-Z]\w*)\s*(\(([^)]*)\))?\s*:/gm)) {
    const name = m[1]!;
    const bases = m[3] ?? "";
    if (!isEventName(name)) continue;
    if (!PUBLISHED_BASE.test(bases) && !/BaseModel|Schema|Record|Struct/.test(bases) && !EVENT_PLACE.test(src.path)) continue;
    const fields: EventField[] = [];
    const bodyStart = m.index! + m[0].length;
    const rest = src.masked.slice(bodyStart);
    const end = /\n(?=\S)/.exec(rest)?.index ?? rest.length;
    for (const f of rest.slice(0, end).matchAll(/^([ \t]+)([a-z_]\w*)\s*:\s*([^=\n]+)/gm)) {
      if (f[1]!.length > 8) continue;
      fields.push({ name: f[2]!, type: f[3]!.trim(), line: lineAt(src, bodyStart + f.index! + f[1]!.length) });
    }
    const published = INTEGRATION_BASE.test(bases) || EVENT_PLACE.test(src.path);
    out.events.push({ name, line: lineAt(src, m.index! + 6), fields, evidence: bases || src.path, published });
  }
}

function tsInterfaces(src: CodeSource, out: FileMessaging): void {
  for (const m of src.masked.matchAll(
    /\b(?:interface|class)\s+([A-Z]\w*)\s*(?:extends\s+([\w.<>, ]+))?(?:implements\s+([\w.<>, ]+))?\s*\{|\btype\s+([A-Z]\w*)\s*=\s*\{/g,
  )) {
    const name = m[1] ?? m[4]!;
    if (!isEventName(name)) continue;
    const heritage = `${m[2] ?? ""} ${m[3] ?? ""}`;
    if (!PUBLISHED_BASE.test(heritage) && !EVENT_PLACE.test(src.path)) continue;
    const open = m.index! + m[0].length - 1;
    const close = closingOffset(src.masked, open, 50_000);
    if (close === undefined) continue;
    const fields: EventField[] = [];
    let depth = 0;
    const body = src.masked.slice(open + 1, close - 1);
    let lineStart = 0;
    for (let i = 0; i <= body.length; i++) {
      const ch = body[i];
      if (ch === "{" || ch === "(" || ch === "[") depth++;
      else if (ch === "}" || ch === ")" || ch === "]") depth--;
      if ((ch === "\n" || ch === ";" || ch === undefined) && depth === 0) {
        const stmt = body.slice(lineStart, i);
        const f = /^\s*(?:readonly\s+|public\s+)*([a-zA-Z_]\w*)\??\s*:\s*(.+?)\s*[,;]?\s*$/s.exec(stmt);
        if (f) fields.push({ name: f[1]!, type: f[2]!.replace(/\s+/g, ""), line: lineAt(src, open + 1 + lineStart + stmt.search(/\S/)) });
        lineStart = i + 1;
      }
    }
    out.events.push({ name, line: lineAt(src, m.index!), fields, evidence: heritage.trim() || src.path, published: EVENT_PLACE.test(src.path) });
  }
}

/** `topic` values of a call's string in a file, for tests. */
export function topicNames(found: FileMessaging): string[] {
  return found.topics.map((t) => `${t.role} ${t.broker} ${t.name}`);
}
