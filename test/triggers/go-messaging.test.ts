/**
 * event-contract on Go (and one .NET) broker clients, with exact files, lines and reasons: confluent-kafka-go,
 * sarama consumer groups, NATS and amqp091 whose client is known by the file's imports, and topics named through
 * a constant of the file or of another package of the same Go module. Layouts follow public projects (a
 * message-queue examples repository, a microservices demo whose checkout service imports its own `kafka` package,
 * a dispatch service consuming RabbitMQ).
 */
import { describe, expect, it } from "vitest";

import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";
import type { TriggerHit } from "../../src/engine/types.js";

type Tree = Record<string, string>;

async function eventHits(base: Tree, head: Tree): Promise<TriggerHit[]> {
  const report = await reviewChange(changeFromTrees(base, head), defaultConfig(), { rules: [] });
  return report.triggers.find((t) => t.id === "event-contract")?.hits ?? [];
}

const lines = (...l: string[]) => `${l.join("\n")}\n`;

describe("confluent-kafka-go", () => {
  const producer = lines(
    "package main",
    "",
    "import (",
    '\t"fmt"',
    '\t"gopkg.in/confluentinc/confluent-kafka-go.v1/kafka"',
    ")",
    "",
    "func main() {",
    '\ttopic := "upload"',
    '\tproducer, _ := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": "localhost"})',
    "\tfor event := range producer.Events() {",
    "\t\tif ev, ok := event.(*kafka.Message); ok {",
    '\t\t\tfmt.Printf("Delivered message to %v\\n", ev.TopicPartition)',
    "\t\t}",
    "\t}",
    "\tproducer.Produce(&kafka.Message{",
    "\t\tTopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},",
    '\t\tValue:          []byte("hello"),',
    "\t}, nil)",
    "}",
  );

  it("reads the topic of a produced message's TopicPartition, through a local variable", async () => {
    expect(await eventHits({}, { "kafka/producer1.go": producer })).toEqual([
      { file: "kafka/producer1.go", line: 16, reason: 'adds Kafka producer of "upload" in kafka/producer1.go' },
    ]);
  });

  it("reads consumers that SubscribeTopics or Subscribe, with a constant of the file", async () => {
    const consumer = lines(
      "package main",
      "",
      'import "github.com/confluentinc/confluent-kafka-go/v2/kafka"',
      "",
      "const (",
      '\ttopic = "upload"',
      ")",
      "",
      "func main() {",
      '\tc, _ := kafka.NewConsumer(&kafka.ConfigMap{"group.id": "g"})',
      "\tc.SubscribeTopics([]string{topic}, nil)",
      '\tc.Subscribe("results", nil)',
      "}",
    );
    expect(await eventHits({}, { "kafka/consumer1.go": consumer })).toEqual([
      { file: "kafka/consumer1.go", line: 11, reason: 'adds Kafka consumer of "upload"; adds Kafka consumer of "results" in kafka/consumer1.go' },
    ]);
  });

  it("stays quiet when only the delivery report printing changes, and on a partition assignment", async () => {
    const reworded = producer.replace("Delivered message to", "Delivered to");
    expect(await eventHits({ "kafka/producer1.go": producer }, { "kafka/producer1.go": reworded })).toEqual([]);
    const assign = lines(
      "package main",
      "",
      'import "github.com/confluentinc/confluent-kafka-go/kafka"',
      "",
      "func main() {",
      '\ttopic := "upload"',
      "\tc, _ := kafka.NewConsumer(&kafka.ConfigMap{})",
      "\tc.Assign([]kafka.TopicPartition{{Topic: &topic, Partition: 0}})",
      "}",
    );
    expect(await eventHits({}, { "kafka/assign.go": assign })).toEqual([]);
  });
});

describe("NATS subjects in constants", () => {
  const publisher = lines(
    "package main",
    "",
    'import nats "github.com/nats-io/go-nats"',
    "",
    'const Subject = "test1"',
    "",
    "func main() {",
    "\tconn, _ := nats.Connect(nats.DefaultURL)",
    '\tconn.Publish(Subject, []byte("Hello World"))',
    "\tconn.Flush()",
    "}",
  );

  it("reads a publisher and a subscriber of a subject declared as a constant of the file", async () => {
    const subscriber = lines(
      "package main",
      "",
      "import (",
      '\t"fmt"',
      '\tnats "github.com/nats-io/go-nats"',
      ")",
      "",
      "const Subject string = `test1`",
      "",
      "func main() {",
      "\tconn, _ := nats.Connect(nats.DefaultURL)",
      "\tconn.Subscribe(Subject, func(m *nats.Msg) {",
      '\t\tfmt.Printf("Received a message: %s\\n", string(m.Data))',
      "\t})",
      "}",
    );
    expect(
      await eventHits({}, { "go-nats/01-simple-pub-sub/publisher.go": publisher, "go-nats/01-simple-pub-sub/subscriber.go": subscriber }),
    ).toEqual([
      {
        file: "go-nats/01-simple-pub-sub/publisher.go",
        line: 9,
        reason: 'adds NATS producer of "test1" in go-nats/01-simple-pub-sub/publisher.go',
      },
      {
        file: "go-nats/01-simple-pub-sub/subscriber.go",
        line: 12,
        reason: 'adds NATS consumer of "test1" in go-nats/01-simple-pub-sub/subscriber.go',
      },
    ]);
  });

  it("stays quiet when the constant is renamed but its value is the same", async () => {
    const renamed = publisher
      .replace('const Subject = "test1"', 'const greetings = "test1"')
      .replace("conn.Publish(Subject", "conn.Publish(greetings");
    expect(await eventHits({ "pub/publisher.go": publisher }, { "pub/publisher.go": renamed })).toEqual([]);
  });

  it("does not read a subject it cannot know (a function's parameter)", async () => {
    const relay = lines(
      "package relay",
      "",
      'import "github.com/nats-io/nats.go"',
      "",
      "func Relay(nc *nats.Conn, subject string, b []byte) {",
      "\tnc.Publish(subject, b)",
      "}",
    );
    expect(await eventHits({}, { "internal/relay/relay.go": relay })).toEqual([]);
  });
});

describe("a topic named by a constant of another package of the module", () => {
  const goMod = lines("module github.com/acme/shop/src/checkoutservice", "", "go 1.19");
  const kafkaPackage = lines(
    "package kafka",
    "",
    'import "github.com/Shopify/sarama"',
    "",
    "var (",
    '\tTopic           = "orders"',
    "\tProtocolVersion = sarama.V3_0_0_0",
    ")",
    "",
    "func CreateKafkaProducer(brokers []string) (sarama.AsyncProducer, error) {",
    '\tlocal := "not-a-topic"',
    "\t_ = local",
    "\treturn sarama.NewAsyncProducer(brokers, sarama.NewConfig())",
    "}",
  );
  const mainBefore = lines(
    "package main",
    "",
    "import (",
    '\t"github.com/Shopify/sarama"',
    '\t"github.com/acme/shop/src/checkoutservice/kafka"',
    ")",
    "",
    "type checkoutService struct{ producer sarama.AsyncProducer }",
    "",
    "func (cs *checkoutService) PlaceOrder() {}",
  );
  const mainAfter = mainBefore.replace(
    "func (cs *checkoutService) PlaceOrder() {}\n",
    lines(
      "func (cs *checkoutService) PlaceOrder() {",
      "\tmsg := sarama.ProducerMessage{",
      "\t\tTopic: kafka.Topic,",
      "\t\tValue: sarama.ByteEncoder([]byte{}),",
      "\t}",
      "\tcs.producer.Input() <- &msg",
      "}",
    ),
  );

  it("reads the package's exported variable from the tree at that side", async () => {
    const base = { "src/checkoutservice/go.mod": goMod, "src/checkoutservice/main.go": mainBefore };
    const head = { ...base, "src/checkoutservice/kafka/producer.go": kafkaPackage, "src/checkoutservice/main.go": mainAfter };
    expect(await eventHits(base, head)).toEqual([
      { file: "src/checkoutservice/main.go", line: 11, reason: 'adds Kafka producer of "orders" in src/checkoutservice/main.go' },
    ]);
  });

  it("does not resolve a package of another module, nor a constant the package does not declare at its top level", async () => {
    const external = mainAfter.replace('"github.com/acme/shop/src/checkoutservice/kafka"', '"github.com/other/kafka"');
    const vendoredLookalike = { "src/checkoutservice/go.mod": goMod, "src/checkoutservice/kafka/producer.go": kafkaPackage };
    expect(await eventHits(vendoredLookalike, { ...vendoredLookalike, "src/checkoutservice/main.go": external })).toEqual([]);
    const local = mainAfter.replace("kafka.Topic", "kafka.Local");
    const localPackage = kafkaPackage.replace("\tlocal :=", "\tLocal :=").replace("_ = local", "_ = Local");
    expect(
      await eventHits(
        { "src/checkoutservice/go.mod": goMod },
        { "src/checkoutservice/go.mod": goMod, "src/checkoutservice/kafka/producer.go": localPackage, "src/checkoutservice/main.go": local },
      ),
    ).toEqual([]);
  });
});

describe("sarama consumer groups, and Confluent.Kafka in C#", () => {
  it("reads a sarama consumer group's topics through a variable of its own file", async () => {
    const consumer = lines(
      "package kafka",
      "",
      'import "github.com/Shopify/sarama"',
      "",
      "var (",
      '\tTopic   = "orders"',
      '\tGroupID = "accountingservice"',
      ")",
      "",
      "func StartConsumerGroup(ctx context.Context, brokers []string) error {",
      "\tconsumerGroup, err := sarama.NewConsumerGroup(brokers, GroupID, sarama.NewConfig())",
      "\tif err != nil {",
      "\t\treturn err",
      "\t}",
      "\treturn consumerGroup.Consume(ctx, []string{Topic}, &groupHandler{})",
      "}",
    );
    expect(await eventHits({}, { "src/accountingservice/kafka/consumer.go": consumer })).toEqual([
      {
        file: "src/accountingservice/kafka/consumer.go",
        line: 15,
        reason: 'adds Kafka consumer of "orders" in src/accountingservice/kafka/consumer.go',
      },
    ]);
  });

  it("stays quiet when the Go consumer is rewritten in C# on the same topic (Confluent.Kafka's Subscribe)", async () => {
    const goConsumer = lines(
      "package kafka",
      "",
      'import "github.com/IBM/sarama"',
      "",
      'var Topic = "orders"',
      "",
      "func Start(ctx context.Context, group sarama.ConsumerGroup, h sarama.ConsumerGroupHandler) error {",
      "\treturn group.Consume(ctx, []string{Topic}, h)",
      "}",
    );
    const csharpConsumer = lines(
      "using Confluent.Kafka;",
      "",
      "namespace Accounting;",
      "",
      "internal class Consumer",
      "{",
      '    private const string TopicName = "orders";',
      "    private IConsumer<string, byte[]> _consumer;",
      "",
      "    public Consumer(IConsumer<string, byte[]> consumer)",
      "    {",
      "        _consumer = consumer;",
      "        _consumer.Subscribe(TopicName);",
      "    }",
      "}",
    );
    expect(await eventHits({ "src/accounting/kafka/consumer.go": goConsumer }, { "src/accounting/Consumer.cs": csharpConsumer })).toEqual([]);
  });
});

describe("amqp091 channels known by the file's import", () => {
  const dispatch = lines(
    "package main",
    "",
    "import (",
    '\t"log"',
    "",
    '\t"github.com/streadway/amqp"',
    ")",
    "",
    "var (",
    "\trabbitChan *amqp.Channel",
    ")",
    "",
    "func main() {",
    '\tmsgs, err := rabbitChan.Consume("orders", "", false, false, false, false, nil)',
    "\tif err != nil {",
    "\t\tlog.Fatal(err)",
    "\t}",
    "\tfor d := range msgs {",
    "\t\td.Ack(false)",
    "\t}",
    "}",
  );

  it("reads a consumer whose channel variable is not called ch or channel", async () => {
    expect(await eventHits({}, { "dispatch/src/main.go": dispatch })).toEqual([
      { file: "dispatch/src/main.go", line: 14, reason: 'adds RabbitMQ consumer of "orders" in dispatch/src/main.go' },
    ]);
  });

  it("does not read a Consume call of another signature, nor one in a file without the client", async () => {
    const worker = dispatch.replace('rabbitChan.Consume("orders", "", false, false, false, false, nil)', 'rabbitChan.Consume("orders", handle)');
    expect(await eventHits({}, { "dispatch/src/main.go": worker })).toEqual([]);
    const noClient = dispatch.replace('\t"github.com/streadway/amqp"\n', "").replace("*amqp.Channel", "*queue.Channel");
    expect(await eventHits({}, { "dispatch/src/main.go": noClient })).toEqual([]);
  });
});
