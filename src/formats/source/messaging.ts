/**
 * Messaging declared in code: producers and consumers with their topic, queue or subject names (Kafka
 * through Spring's KafkaTemplate/@KafkaListener, kafkajs, confluent-kafka/kafka-python, sarama/kafka-go;
 * RabbitMQ through Spring AMQP, amqplib, pika, the Go and .NET clients; NATS; SNS/SQS with literal names),
 * and event classes with their fields (Java/Kotlin classes and records, C# records and classes, Python
 * classes, TypeScript interfaces) whose name and type say they are events.
 *
 * Only static names count: a topic read from configuration is no contract this file states.
 */
import { argsAt, lineAt, splitArgs, stringConstants, stringValue, stringValues, type Args, type CodeSource, type Constants } from "./code-model.js";
import { goImports, type GoImport } from "./go-packages.js";
import { closingOffset, lineStartMatches } from "./masking.js";
import { scopedConstants, type ScopedConstants } from "./scoped-constants.js";

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
  /**
   * Constants of other packages a topic is named through and that `external` did not give (Go's `kafka.Topic`,
   * qualified by the name the file imports the package under): the caller may read them and extract again.
   */
  unresolved: string[];
}

const MESSAGING_HINT =
  /kafka|KafkaListener|RabbitListener|rabbit|amqp|pika|\bnats\b|sarama|confluent|\bSNS|\bSQS|sns|sqs|TopicArn|QueueUrl|Event\b|Event\s*[({:<,]|IntegrationEvent|DomainEvent|EventBus|eventBus|publish/i;

export function mayDeclareMessaging(text: string): boolean {
  return MESSAGING_HINT.test(text);
}

/**
 * Topics, event classes and event uses of a source file (`declares`: `mayDeclareMessaging` of its text, when known;
 * `external`: values of other packages' constants, keyed as the file names them, `kafka.Topic`).
 */
export function extractMessaging(src: CodeSource, declares = mayDeclareMessaging(src.text), external?: ReadonlyMap<string, string>): FileMessaging {
  const out: FileMessaging = { topics: [], events: [], eventUses: new Set(), unresolved: [] };
  if (!declares) return out;
  // The file's constants are read when a call names a topic (most files have none).
  let constants: Map<string, string> | undefined;
  const fileConstants = () => {
    if (constants) return constants;
    constants = stringConstants(src);
    for (const [name, value] of external ?? []) constants.set(name, value);
    return constants;
  };
  // Go reads the file-wide constants (and other packages'); the other languages read a name where it is used
  // (scoped-constants.ts), built at the first call that names a topic.
  let scoped: ScopedConstants | undefined;
  const names: ScopedConstants = src.language === "go" ? { at: fileConstants } : { at: (offset) => (scoped ??= scopedConstants(src)).at(offset) };
  topics(src, fileConstants, names, out);
  eventUses(src, out);
  eventClasses(src, out);
  return out;
}

// ------------------------------------------------------------------ topics

interface CallPattern {
  re: RegExp;
  role: Role;
  broker: string;
  /**
   * Where the name is: a named argument, a property of an object literal (`A.B`: property B of the literal
   * that is the value of A), or positional arguments tried in order (negative: from the end).
   */
  name: { positional?: number | number[]; named?: string[]; property?: string[] };
  /** Go and C#: the call counts only in a file that imports a package (namespace) matching this (the client decides, not a variable's name). */
  imports?: RegExp;
  /** Go: the call does not count in a file that imports a package matching this (a client read by `imports` patterns). */
  unlessImports?: RegExp;
  /** The number of arguments the client's signature takes (`[min, max]`), telling apart clients whose methods share a name. */
  args?: [number, number];
  /** The value is a queue URL or a topic ARN: the name is its last segment. */
  resource?: true;
  /**
   * Text every match of `re` holds (its method name): a file without it is not searched with `re`, whose
   * leading receiver part (`\b\w*…`) is tried at every word and costs several times a plain search.
   */
  needs?: RegExp;
}

const KAFKA_RECEIVER = "[\\w.]*(?:kafka|Kafka|producer|Producer|template|Template)[\\w]*";
const RABBIT_RECEIVER = "[\\w.]*(?:rabbit|Rabbit|amqp|Amqp|channel|Channel|ch|chan)\\w*";
const NATS_RECEIVER = "[\\w.]*(?:nats|Nats|nc|conn|js|jetstream|JetStream)\\w*";

/** Go client packages, by import path. */
const GO_SARAMA = /(^|\/)sarama$/;
const GO_CONFLUENT = /\/confluent-kafka-go(\.v\d+)?(\/v\d+)?\/kafka$/;
const GO_NATS = /^github\.com\/nats-io\/(nats\.go|go-nats|stan\.go|go-nats-streaming)(\/|$)/;
const GO_NATS_OR_CONFLUENT = new RegExp(`${GO_NATS.source}|${GO_CONFLUENT.source}`);
const GO_AMQP = /^github\.com\/(streadway\/amqp|rabbitmq\/amqp091-go)$/;

const CALLS: Record<string, CallPattern[]> = {
  java: [
    {
      re: new RegExp(`\\b${KAFKA_RECEIVER}\\s*\\.\\s*(send|sendDefault)\\s*\\(`, "g"),
      needs: /send/,
      role: "producer",
      broker: "Kafka",
      name: { positional: 0 },
    },
    { re: /@KafkaListener\s*\(/g, role: "consumer", broker: "Kafka", name: { named: ["topics", "value"] } },
    { re: /@RabbitListener\s*\(/g, role: "consumer", broker: "RabbitMQ", name: { named: ["queues", "value"] } },
    {
      // (exchange, routingKey, …), or (routingKey, message): the exchange, or the key on the default exchange "".
      re: new RegExp(`\\b${RABBIT_RECEIVER}\\s*\\.\\s*(convertAndSend|basicPublish)\\s*\\(`, "g"),
      needs: /convertAndSend|basicPublish/,
      role: "producer",
      broker: "RabbitMQ",
      name: { positional: [0, 1] },
    },
    // The plain Java client: basicConsume(queue, autoAck, callback, …).
    {
      re: new RegExp(`\\b${RABBIT_RECEIVER}\\s*\\.\\s*basicConsume\\s*\\(`, "g"),
      needs: /basicConsume/,
      role: "consumer",
      broker: "RabbitMQ",
      name: { positional: 0 },
    },
    { re: /\bforAggregateType\s*\(/g, role: "consumer", broker: "event channel", name: { positional: 0 } },
    // The plain Kafka client: new ProducerRecord<>(topic, …), consumer.subscribe(List.of(…)).
    { re: /\bnew\s+ProducerRecord\s*(?:<[^>()]*>)?\s*\(/g, role: "producer", broker: "Kafka", name: { positional: 0 } },
    { re: /\b\w*[cC]onsumer\w*\s*\.\s*subscribe\s*\(/g, needs: /subscribe/, role: "consumer", broker: "Kafka", name: { positional: 0 } },
  ],
  js: [
    { re: /\.\s*send\s*\(\s*\{/g, needs: /send/, role: "producer", broker: "Kafka", name: { property: ["topic"] } },
    { re: /\.\s*subscribe\s*\(\s*\{/g, needs: /subscribe/, role: "consumer", broker: "Kafka", name: { property: ["topic", "topics"] } },
    {
      re: new RegExp(`\\b${KAFKA_RECEIVER}\\s*\\.\\s*(send|produce|publish)\\s*\\(\\s*(?=["'\`])`, "g"),
      needs: /send|produce|publish/,
      role: "producer",
      broker: "Kafka",
      name: { positional: 0 },
    },
    {
      re: new RegExp(`\\b${RABBIT_RECEIVER}\\s*\\.\\s*(sendToQueue|publish)\\s*\\(`, "g"),
      needs: /sendToQueue|publish/,
      role: "producer",
      broker: "RabbitMQ",
      name: { positional: 0 },
    },
    {
      re: new RegExp(`\\b${RABBIT_RECEIVER}\\s*\\.\\s*consume\\s*\\(`, "g"),
      needs: /consume/,
      role: "consumer",
      broker: "RabbitMQ",
      name: { positional: 0 },
    },
    {
      re: new RegExp(`\\b${NATS_RECEIVER}\\s*\\.\\s*publish\\s*\\(`, "g"),
      needs: /publish/,
      role: "producer",
      broker: "NATS",
      name: { positional: 0 },
    },
    {
      re: new RegExp(`\\b${NATS_RECEIVER}\\s*\\.\\s*subscribe\\s*\\(`, "g"),
      needs: /subscribe/,
      role: "consumer",
      broker: "NATS",
      name: { positional: 0 },
    },
    // AWS SDK v3 commands and v2 client calls, their input written inline or declared before the call in the same
    // block (`const params = { QueueUrl: … }`); sqs-consumer's `Consumer.create({ queueUrl })`.
    { re: /\bnew\s+PublishCommand\s*\(/g, role: "producer", broker: "SNS", name: { property: ["TopicArn"] }, resource: true },
    { re: /\bnew\s+SendMessage(Batch)?Command\s*\(/g, role: "producer", broker: "SQS", name: { property: ["QueueUrl"] }, resource: true },
    { re: /\bnew\s+ReceiveMessageCommand\s*\(/g, role: "consumer", broker: "SQS", name: { property: ["QueueUrl"] }, resource: true },
    {
      re: /\b[\w.]*(?:sns|SNS|Sns)\w*\s*\.\s*publish\s*\(/g,
      needs: /publish/,
      role: "producer",
      broker: "SNS",
      name: { property: ["TopicArn"] },
      resource: true,
    },
    {
      re: /\b[\w.]*(?:sqs|SQS|Sqs)\w*\s*\.\s*sendMessage(Batch)?\s*\(/g,
      needs: /sendMessage/,
      role: "producer",
      broker: "SQS",
      name: { property: ["QueueUrl"] },
      resource: true,
    },
    {
      re: /\b[\w.]*(?:sqs|SQS|Sqs)\w*\s*\.\s*receiveMessage\s*\(/g,
      needs: /receiveMessage/,
      role: "consumer",
      broker: "SQS",
      name: { property: ["QueueUrl"] },
      resource: true,
    },
    { re: /\bConsumer\s*\.\s*create\s*\(/g, role: "consumer", broker: "SQS", name: { property: ["queueUrl"] }, resource: true },
  ],
  python: [
    {
      re: /\b\w*(producer|kafka)\w*\s*\.\s*(produce|send)\s*\(/gi,
      needs: /producer|kafka/i,
      role: "producer",
      broker: "Kafka",
      name: { positional: 0, named: ["topic"] },
    },
    {
      re: /\b\w*consumer\w*\s*\.\s*subscribe\s*\(/gi,
      needs: /consumer/i,
      role: "consumer",
      broker: "Kafka",
      name: { positional: 0, named: ["topics"] },
    },
    { re: /\bKafkaConsumer\s*\(/g, role: "consumer", broker: "Kafka", name: { positional: 0 } },
    { re: /\.\s*basic_publish\s*\(/g, needs: /basic_publish/, role: "producer", broker: "RabbitMQ", name: { named: ["routing_key", "exchange"] } },
    { re: /\.\s*basic_consume\s*\(/g, needs: /basic_consume/, role: "consumer", broker: "RabbitMQ", name: { named: ["queue"], positional: 0 } },
    { re: /\b\w*(nc|nats|js)\s*\.\s*publish\s*\(/g, needs: /publish/, role: "producer", broker: "NATS", name: { positional: 0 } },
    { re: /\b\w*(nc|nats|js)\s*\.\s*subscribe\s*\(/g, needs: /subscribe/, role: "consumer", broker: "NATS", name: { positional: 0 } },
    // boto3.
    {
      re: /\b[\w.]*(?:sqs|SQS)\w*\s*\.\s*send_message(_batch)?\s*\(/g,
      needs: /send_message/,
      role: "producer",
      broker: "SQS",
      name: { named: ["QueueUrl"] },
      resource: true,
    },
    {
      re: /\b[\w.]*(?:sqs|SQS)\w*\s*\.\s*receive_message\s*\(/g,
      needs: /receive_message/,
      role: "consumer",
      broker: "SQS",
      name: { named: ["QueueUrl"] },
      resource: true,
    },
    {
      re: /\b[\w.]*(?:sns|SNS)\w*\s*\.\s*publish\s*\(/g,
      needs: /publish/,
      role: "producer",
      broker: "SNS",
      name: { named: ["TopicArn"] },
      resource: true,
    },
  ],
  go: [
    { re: /\bsarama\.ProducerMessage\s*\{/g, role: "producer", broker: "Kafka", name: { property: ["Topic"] } },
    // segmentio/kafka-go's `kafka.Message{Topic: …}`; confluent-kafka-go's `kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic}}`.
    { re: /\bkafka\.(Writer|Message)\s*\{/g, role: "producer", broker: "Kafka", name: { property: ["Topic", "TopicPartition.Topic"] } },
    { re: /\bkafka\.ReaderConfig\s*\{/g, role: "consumer", broker: "Kafka", name: { property: ["Topic"] } },
    { re: /\.\s*ConsumePartition\s*\(/g, needs: /ConsumePartition/, role: "consumer", broker: "Kafka", name: { positional: 0 } },
    // sarama consumer groups: Consume(ctx, topics, handler).
    { re: /\.\s*Consume\s*\(/g, needs: /Consume/, imports: GO_SARAMA, args: [3, 3], role: "consumer", broker: "Kafka", name: { positional: 1 } },
    // confluent-kafka-go consumers: SubscribeTopics(topics, rebalanceCb), Subscribe(topic, rebalanceCb).
    { re: /\.\s*SubscribeTopics\s*\(/g, needs: /SubscribeTopics/, imports: GO_CONFLUENT, role: "consumer", broker: "Kafka", name: { positional: 0 } },
    {
      re: /\.\s*Subscribe\s*\(/g,
      needs: /Subscribe/,
      imports: GO_CONFLUENT,
      unlessImports: GO_NATS,
      args: [2, 2],
      role: "consumer",
      broker: "Kafka",
      name: { positional: 0 },
    },
    // NATS (core, JetStream, streaming) in a file that imports its client: Publish(subject, data, …), Subscribe(subject, …).
    { re: /\.\s*Publish\s*\(/g, needs: /Publish/, imports: GO_NATS, args: [2, 9], role: "producer", broker: "NATS", name: { positional: 0 } },
    {
      re: /\.\s*(Subscribe|QueueSubscribe|SubscribeSync|QueueSubscribeSync|ChanSubscribe|ChanQueueSubscribe|PullSubscribe)\s*\(/g,
      needs: /Subscribe/,
      imports: GO_NATS,
      role: "consumer",
      broker: "NATS",
      name: { positional: 0 },
    },
    // A NATS connection a file gets from elsewhere (a project package wrapping the client): known by its name, with a literal subject.
    {
      re: new RegExp(`\\b${NATS_RECEIVER}\\s*\\.\\s*Publish\\s*\\(\\s*(?=["\`])`, "g"),
      needs: /Publish/,
      unlessImports: GO_NATS_OR_CONFLUENT,
      role: "producer",
      broker: "NATS",
      name: { positional: 0 },
    },
    {
      re: new RegExp(`\\b${NATS_RECEIVER}\\s*\\.\\s*(Subscribe|QueueSubscribe)\\s*\\(\\s*(?=["\`])`, "g"),
      needs: /Subscribe/,
      unlessImports: GO_NATS_OR_CONFLUENT,
      role: "consumer",
      broker: "NATS",
      name: { positional: 0 },
    },
    // amqp091-go (and streadway/amqp) in a file that imports it, whatever the channel is called: Publish(exchange, key,
    // mandatory, immediate, msg) and PublishWithContext(ctx, exchange, key, …) name the exchange, or the routing key
    // on the default exchange ""; Consume(queue, consumer, autoAck, exclusive, noLocal, noWait, args) and
    // ConsumeWithContext(ctx, queue, …) the queue.
    {
      re: /\.\s*Publish\s*\(/g,
      needs: /Publish/,
      imports: GO_AMQP,
      args: [5, 5],
      role: "producer",
      broker: "RabbitMQ",
      name: { positional: [0, 1] },
    },
    {
      re: /\.\s*PublishWithContext\s*\(/g,
      needs: /PublishWithContext/,
      imports: GO_AMQP,
      args: [6, 6],
      role: "producer",
      broker: "RabbitMQ",
      name: { positional: [1, 2] },
    },
    { re: /\.\s*Consume\s*\(/g, needs: /Consume/, imports: GO_AMQP, args: [7, 7], role: "consumer", broker: "RabbitMQ", name: { positional: 0 } },
    {
      re: /\.\s*ConsumeWithContext\s*\(/g,
      needs: /ConsumeWithContext/,
      imports: GO_AMQP,
      args: [8, 8],
      role: "consumer",
      broker: "RabbitMQ",
      name: { positional: 1 },
    },
    // A channel a file gets from elsewhere: known by its name.
    {
      re: /\b\w*(ch|channel)\s*\.\s*(Publish|PublishWithContext)\s*\(/gi,
      needs: /publish/i,
      unlessImports: GO_AMQP,
      role: "producer",
      broker: "RabbitMQ",
      name: { positional: [-5, -4] },
    },
    {
      re: /\b\w*(ch|channel)\s*\.\s*Consume\s*\(/gi,
      needs: /consume/i,
      unlessImports: GO_AMQP,
      role: "consumer",
      broker: "RabbitMQ",
      name: { positional: 0 },
    },
    {
      re: /\b\w*(ch|channel)\s*\.\s*ConsumeWithContext\s*\(/gi,
      needs: /consumewithcontext/i,
      unlessImports: GO_AMQP,
      role: "consumer",
      broker: "RabbitMQ",
      name: { positional: 1 },
    },
  ],
  csharp: [
    {
      re: /\.\s*BasicPublish(Async)?\s*\(/g,
      needs: /BasicPublish/,
      role: "producer",
      broker: "RabbitMQ",
      name: { named: ["exchange", "routingKey"], positional: 0 },
    },
    { re: /\.\s*BasicConsume(Async)?\s*\(/g, needs: /BasicConsume/, role: "consumer", broker: "RabbitMQ", name: { named: ["queue"], positional: 0 } },
    { re: /\.\s*ProduceAsync\s*\(/g, needs: /ProduceAsync/, role: "producer", broker: "Kafka", name: { positional: 0 } },
    // Confluent.Kafka's consumer: Subscribe(topic), in a file that uses the client (Subscribe is a common name).
    {
      re: /\.\s*Subscribe\s*\(/g,
      needs: /Subscribe/,
      imports: /^Confluent\.Kafka$/,
      args: [1, 1],
      role: "consumer",
      broker: "Kafka",
      name: { positional: 0 },
    },
    // confluent-kafka-dotnet's producer: Produce(topic, …).
    { re: /\b\w*[pP]roducer\w*\s*\.\s*Produce\s*\(/g, needs: /Produce/, role: "producer", broker: "Kafka", name: { positional: 0 } },
  ],
};
CALLS.kotlin = CALLS.java!;

function topics(src: CodeSource, fileConstants: () => Map<string, string>, scoped: ScopedConstants, out: FileMessaging): void {
  const patterns = CALLS[src.language] ?? [];
  const imports = goImports(src);
  const clients = src.language === "csharp" ? csharpUsings(src) : imports.map((i) => i.path);
  for (const pattern of patterns) {
    if (pattern.imports && !clients.some((c) => pattern.imports!.test(c))) continue;
    if (pattern.unlessImports && clients.some((c) => pattern.unlessImports!.test(c))) continue;
    if (pattern.needs && !pattern.needs.test(src.masked)) continue;
    pattern.re.lastIndex = 0;
    for (let m = pattern.re.exec(src.masked); m; m = pattern.re.exec(src.masked)) {
      const constants = scoped.at(m.index);
      const open = src.masked.lastIndexOf("(", m.index + m[0].length) >= m.index ? src.masked.lastIndexOf("(", m.index + m[0].length) : -1;
      const brace = m[0].trimEnd().endsWith("{") ? m.index + m[0].trimEnd().length - 1 : -1;
      const tried: Range[] = [];
      let names: string[] | undefined;
      if (pattern.name.property) {
        const objectAt = brace >= 0 ? brace : objectArgument(src, open, m.index);
        names = propertyValues(src, objectAt, pattern.name.property, constants, tried);
      } else if (open >= 0) {
        const args = argsAt(src, open);
        if (
          args &&
          pattern.args &&
          (args.positional.length + args.named.size < pattern.args[0] || args.positional.length + args.named.size > pattern.args[1])
        )
          continue;
        if (args) names = argNames(src, args, pattern, constants, tried);
      }
      if (names === undefined) noteUnresolved(src, imports, tried, fileConstants, out);
      if (pattern.resource) names = names?.map(resourceName);
      const line = lineAt(src, m.index + (m[0].length - m[0].trimStart().length));
      for (const name of names ?? []) if (plausibleName(name)) out.topics.push({ name, role: pattern.role, broker: pattern.broker, line });
    }
  }
}

/** The namespaces a C# file imports (`using Confluent.Kafka;`). */
function csharpUsings(src: CodeSource): string[] {
  return [...src.masked.matchAll(/^\s*(?:global\s+)?using\s+([A-Z][\w.]*)\s*;/gm)].map((m) => m[1]!);
}

interface Range {
  start: number;
  end: number;
}

/** Go: the other packages' constants (`kafka.Topic`, the package imported as `kafka`) an unread name is made of. */
function noteUnresolved(
  src: CodeSource,
  imports: readonly GoImport[],
  tried: Range[],
  fileConstants: () => Map<string, string>,
  out: FileMessaging,
): void {
  if (imports.length === 0) return;
  const constants = fileConstants();
  for (const r of tried)
    for (const q of src.masked.slice(r.start, r.end).matchAll(/(?<![\w.])([A-Za-z_]\w*)\.([A-Z]\w*)\b(?!\s*[({])/g))
      if (!constants.has(q[0]) && imports.some((i) => i.name === q[1]) && !out.unresolved.includes(q[0])) out.unresolved.push(q[0]);
}

function argNames(src: CodeSource, args: Args, pattern: CallPattern, constants: Constants, tried: Range[]): string[] | undefined {
  for (const name of pattern.name.named ?? []) {
    const range = args.named.get(name);
    if (range) {
      tried.push(range);
      const v = listValues(src, range, constants);
      if (v?.some((x) => x !== "")) return v.filter((x) => x !== "");
    }
  }
  if (pattern.name.positional === undefined) return undefined;
  // Several places are tried in order (an exchange, then its routing key): an empty name ("" is the default exchange) goes on.
  for (const at of [pattern.name.positional].flat()) {
    const range = args.positional[at < 0 ? args.positional.length + at : at];
    if (range) tried.push(range);
    const names = range && listValues(src, range, constants)?.filter((x) => x !== "");
    if (names?.length) return names;
  }
  return undefined;
}

/** Collections written around a list of names: `new[] { … }`, `new List<string> { … }`, `Arrays.asList(…)`, `List.of(…)`. */
const LIST_WRAPPER =
  /^(?:new\s*(?:[\w.]+\s*(?:<[^<>]*>)?)?\s*(?:\[\s*\])?\s*(?:\(\s*\))?\s*(?=\{)|(?:Arrays\.asList|List\.of|Set\.of|Collections\.singletonList|Collections\.singleton|listOf|setOf|arrayOf)\s*(?=\())/;

/** Every static name of an argument: a value, an array, or a collection built around literals. */
function listValues(src: CodeSource, range: { start: number; end: number }, constants: Constants): string[] | undefined {
  const wrapper = LIST_WRAPPER.exec(src.masked.slice(range.start, range.end));
  if (!wrapper) return stringValues(src, range.start, range.end, constants);
  const open = range.start + wrapper[0].length;
  const close = closingOffset(src.masked, open);
  if (close === undefined || close > range.end) return undefined;
  const out: string[] = [];
  for (const piece of splitArgs(src, open, close)) {
    const v = stringValue(src, piece.start, piece.end, constants);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/**
 * The object literal a call takes as its first argument: written inline, or named by a variable declared
 * before the call (`const params = { … }`, `payload = { … }`) in a block that holds the call.
 */
function objectArgument(src: CodeSource, open: number, callAt: number): number {
  if (open < 0) return -1;
  const args = argsAt(src, open);
  const first = args?.positional[0];
  if (!first) return -1;
  const text = src.masked.slice(first.start, first.end);
  if (text.startsWith("{")) return first.start;
  if (!/^[A-Za-z_$][\w$]*$/.test(text)) return -1;
  const declaration = new RegExp(`(?<![\\w$.])${text.replace(/\$/g, "\\$")}\\s*(?::[^=;\\n]+)?=\\s*\\{`, "g");
  let found = -1;
  for (const d of src.masked.matchAll(declaration)) {
    if (d.index >= callAt) break;
    if (blockHolds(src.masked, d.index, callAt)) found = d.index + d[0].length - 1;
  }
  return found;
}

/** True when the innermost block around `at` (the file at top level) still holds `use`. */
function blockHolds(masked: string, at: number, use: number): boolean {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const ch = masked[i];
    if (ch === "}" || ch === ")" || ch === "]") depth++;
    else if (ch === "{" || ch === "(" || ch === "[") {
      if (depth === 0) {
        const close = closingOffset(masked, i, masked.length);
        return close !== undefined && close > use;
      }
      depth--;
    }
  }
  return true;
}

/** A queue URL (`https://sqs.…/123456789012/orders`) or an ARN (`arn:aws:sns:…:orders`) names its last segment. */
function resourceName(value: string): string {
  if (/^arn:/.test(value)) return value.split(":")[5] ?? value;
  if (/^https?:\/\//.test(value)) return value.replace(/\/+$/, "").split("/").at(-1) ?? value;
  return value;
}

/** The value of the first of `keys` an object literal sets at its top level (`A.B`: key B of the literal that is A's value). */
function propertyValues(src: CodeSource, objectAt: number, keys: string[], constants: Constants, tried: Range[]): string[] | undefined {
  for (const key of keys) {
    const range = propertyRange(src, objectAt, key.split("."));
    if (!range) continue;
    tried.push(range);
    return stringValues(src, range.start, range.end, constants);
  }
  return undefined;
}

function propertyRange(src: CodeSource, objectAt: number, path: string[]): Range | undefined {
  if (objectAt < 0 || src.masked[objectAt] !== "{") return undefined;
  const close = closingOffset(src.masked, objectAt);
  if (close === undefined) return undefined;
  const [key, ...rest] = path;
  const keyRe = new RegExp(`^${key}\\s*:\\s*`);
  // Depth 0 is the literal's own level (its opening brace takes it there).
  let depth = -1;
  for (let i = objectAt; i < close - 1; i++) {
    const ch = src.masked[i]!;
    if (ch === "[" || ch === "(" || ch === "{") depth++;
    else if (ch === "]" || ch === ")" || ch === "}") depth--;
    if (depth !== 0 || !/[\s,{]/.test(ch)) continue;
    const m = keyRe.exec(src.masked.slice(i + 1, i + 1 + key!.length + 40));
    if (!m) continue;
    const start = i + 1 + m[0].length;
    if (rest.length > 0) {
      // The value is a composite literal (`kafka.TopicPartition{…}`, `{…}`).
      const literal = /^(?:&?[\w.]+\s*)?\{/.exec(src.masked.slice(start, start + 80));
      return literal ? propertyRange(src, start + literal[0].length - 1, rest) : undefined;
    }
    let end = start;
    let inner = 0;
    while (end < close - 1) {
      const c = src.masked[end]!;
      if (c === "[" || c === "(" || c === "{") inner++;
      else if (c === "]" || c === ")" || c === "}") inner--;
      else if ((c === "," || c === "\n") && inner === 0) break;
      end++;
    }
    while (end > start && /\s/.test(src.masked[end - 1]!)) end--;
    return { start, end };
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

/** Calls that pass or register an event class, each with text every match holds (a file without it is not searched). */
const EVENT_USES: { re: RegExp; needs: RegExp }[] = [
  {
    re: /\b(?:publish|Publish|PublishAsync|publishEvent|send|Send|SendAsync|emit|raise|Raise|AddDomainEvent|addDomainEvent|registerEvent)\w*\s*\(\s*(?:\w+\s*,\s*)*new\s+([A-Z]\w*)/g,
    needs: /new\s+[A-Z]/,
  },
  { re: /\.(?:onEvent|Subscribe|AddSubscription|subscribe)\s*<?\s*\(?\s*([A-Z]\w*)(?:\.class|\s*,|\s*>)/g, needs: /ubscri|onEvent/ },
  { re: /\bsingletonList\s*\(\s*new\s+([A-Z]\w*)/g, needs: /singletonList/ },
];

function eventUses(src: CodeSource, out: FileMessaging): void {
  for (const { re, needs } of EVENT_USES) {
    if (!needs.test(src.masked)) continue;
    for (const m of src.masked.matchAll(re)) out.eventUses.add(m[1]!);
  }
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
  for (const m of lineStartMatches(src.masked, "class", /class\s+([A-Z]\w*)\s*(\(([^)]*)\))?\s*:/y, false)) {
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
