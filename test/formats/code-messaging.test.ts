import { describe, expect, it } from "vitest";
import { codeSource } from "../../src/formats/source/code-model.js";
import { extractMessaging, topicNames } from "../../src/formats/source/messaging.js";

function messaging(path: string, text: string) {
  const src = codeSource(path, text);
  if (!src) throw new Error(`no language for ${path}`);
  const found = extractMessaging(src);
  return {
    topics: found.topics.map((t) => `${t.line} ${t.role} ${t.broker} ${t.name}`),
    events: found.events.map((e) => ({
      name: e.name,
      line: e.line,
      published: e.published,
      fields: e.fields.map((f) => `${f.name}:${f.type}@${f.line}`),
    })),
    uses: [...found.eventUses],
  };
}

describe("topics", () => {
  it("reads Spring Kafka and RabbitMQ producers and listeners, with same-file constants", () => {
    const text = `class TenantService {
  private static final String PURGED = "tenant-purged";
  void purge(String id) {
    kafkaTemplate.send(PURGED, id, new TenantPurgedEvent(id));
    rabbitTemplate.convertAndSend("billing", "invoice.created", invoice);
  }
  @KafkaListener(topics = {"orders.created", "orders.cancelled"}, groupId = "tenancy")
  void onOrder(OrderEvent e) {}
  @KafkaListener(topics = "\${app.topic}")
  void configured(OrderEvent e) {}
  @RabbitListener(queues = "invoices")
  void onInvoice(Invoice i) {}
}`;
    const found = messaging("tenancy/src/main/java/TenantService.java", text);
    expect(found.topics).toEqual([
      "4 producer Kafka tenant-purged",
      "7 consumer Kafka orders.created",
      "7 consumer Kafka orders.cancelled",
      "11 consumer RabbitMQ invoices",
      "5 producer RabbitMQ billing",
    ]);
    expect(found.uses).toEqual(["TenantPurgedEvent"]);
  });

  it("reads kafkajs, amqplib and NATS in JavaScript but not an EventEmitter", () => {
    const text = `await producer.send({ topic: 'orders.created', messages });
await consumer.subscribe({ topics: ['a.b', 'c.d'] });
channel.sendToQueue('emails', Buffer.from(body));
nc.publish('audit.login', sc.encode(user));
emitter.emit('ready');`;
    expect(messaging("src/bus.ts", text).topics).toEqual([
      "1 producer Kafka orders.created",
      "2 consumer Kafka a.b",
      "2 consumer Kafka c.d",
      "3 producer RabbitMQ emails",
      "4 producer NATS audit.login",
    ]);
  });

  it("reads confluent-kafka and pika in Python, sarama and NATS in Go", () => {
    expect(
      messaging(
        "app/events.py",
        `producer.produce("articles.created", key=slug, value=body)\nconsumer.subscribe(["articles.deleted"])\nch.basic_publish(exchange="", routing_key="mail", body=b)\n`,
      ).topics,
    ).toEqual(["1 producer Kafka articles.created", "2 consumer Kafka articles.deleted", "3 producer RabbitMQ mail"]);
    expect(
      messaging("internal/pub.go", `msg := &sarama.ProducerMessage{Topic: "trainings.scheduled", Value: v}\nnc.Subscribe("hours.updated", handle)\n`)
        .topics,
    ).toEqual(["1 producer Kafka trainings.scheduled", "2 consumer NATS hours.updated"]);
  });

  it("reads amqp091-go: the exchange, or the routing key on the default exchange; queues consumed with or without a context", () => {
    const text = [
      `err = ch.PublishWithContext(ctx, "orders", "order.created", false, false, amqp.Publishing{Body: body})`,
      `err = ch.Publish("", "mail.send", false, false, amqp.Publishing{Body: body})`,
      `msgs, err := ch.Consume("billing", "", true, false, false, false, nil)`,
      `msgs, err := amqpChannel.ConsumeWithContext(ctx, "invoices", "", false, false, false, false, nil)`,
      "",
    ].join("\n");
    expect(messaging("internal/broker/rabbit.go", text).topics).toEqual([
      "1 producer RabbitMQ orders",
      "2 producer RabbitMQ mail.send",
      "3 consumer RabbitMQ billing",
      "4 consumer RabbitMQ invoices",
    ]);
  });

  it("decides Go's broker client by the file's imports: amqp091 channels of any name, NATS subjects in constants, confluent-kafka-go", () => {
    const text = [
      "package broker",
      "",
      "import (",
      '\tamqp "github.com/rabbitmq/amqp091-go"',
      '\t"github.com/nats-io/nats.go"',
      ")",
      "",
      'const auditSubject string = "audit.login"',
      "",
      "func run(ctx context.Context, rabbit *amqp.Channel, bus *nats.Conn, body []byte) {",
      '\trabbit.PublishWithContext(ctx, "", "mail.send", false, false, amqp.Publishing{Body: body})',
      '\tmsgs, _ := rabbit.Consume("billing", "", true, false, false, false, nil)',
      "\tbus.Publish(auditSubject, body)",
      '\tbus.QueueSubscribe("orders.created", "workers", handle)',
      "}",
      "",
    ].join("\n");
    expect(messaging("internal/broker/broker.go", text).topics).toEqual([
      "13 producer NATS audit.login",
      "14 consumer NATS orders.created",
      "11 producer RabbitMQ mail.send",
      "12 consumer RabbitMQ billing",
    ]);
    const confluent = [
      'import "github.com/confluentinc/confluent-kafka-go/v2/kafka"',
      "func run(p *kafka.Producer, c *kafka.Consumer, topic string) {",
      '\tc.SubscribeTopics([]string{"orders", "refunds"}, nil)',
      "\tp.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic}}, nil)",
      "}",
      "",
    ].join("\n");
    const read = messaging("cmd/worker/main.go", confluent);
    expect(read.topics).toEqual(["3 consumer Kafka orders", "3 consumer Kafka refunds"]);
  });

  it("names the other packages' constants a Go topic is named through, and only those", () => {
    const text = [
      "package main",
      "",
      'import "github.com/acme/shop/checkout/kafka"',
      "",
      "func send(p sarama.SyncProducer) {",
      "\tp.SendMessage(&sarama.ProducerMessage{Topic: kafka.Topic, Value: sarama.StringEncoder(kafka.Key())})",
      "\tp.SendMessage(&sarama.ProducerMessage{Topic: config.Topic})",
      "}",
      "",
    ].join("\n");
    const src = codeSource("checkout/main.go", text)!;
    expect(extractMessaging(src).unresolved).toEqual(["kafka.Topic"]);
    expect(topicNames(extractMessaging(src, true, new Map([["kafka.Topic", "orders"]])))).toEqual(["producer Kafka orders"]);
  });

  it("reads the plain Java RabbitMQ client: basicPublish on the default exchange names its routing key, basicConsume its queue", () => {
    const text = [
      `channel.basicPublish("", "whatsapp", null, message.getBytes(StandardCharsets.UTF_8));`,
      `channel.basicPublish("notification", "email", null, body);`,
      `channel.basicConsume("whatsapp", true, deliverCallback, consumerTag -> {});`,
      "",
    ].join("\n");
    expect(messaging("src/main/java/acme/rabbit/ConsumerApp.java", text).topics).toEqual([
      "1 producer RabbitMQ whatsapp",
      "2 producer RabbitMQ notification",
      "3 consumer RabbitMQ whatsapp",
    ]);
  });
});

describe("event classes", () => {
  it("reads Java fields of a domain event in a published -api module", () => {
    const text = `package x.api.events;
public class OrderCreatedEvent implements OrderDomainEvent {
  private OrderDetails orderDetails;
  private static final long serialVersionUID = 1L;
  @JsonProperty("address")
  private Address deliveryAddress;
  public OrderCreatedEvent() {}
  public Address getDeliveryAddress() { return deliveryAddress; }
}`;
    expect(messaging("ftgo-order-service-api/src/main/java/x/api/events/OrderCreatedEvent.java", text).events).toEqual([
      { name: "OrderCreatedEvent", line: 2, published: true, fields: ["orderDetails:OrderDetails@3", "deliveryAddress:Address@5"] },
    ]);
  });

  it("reads C# positional records and auto-properties of integration events", () => {
    const record = messaging(
      "src/Catalog.API/IntegrationEvents/Events/Paid.cs",
      "public record OrderStatusChangedToPaidIntegrationEvent(int OrderId, IEnumerable<OrderStockItem> OrderStockItems) : IntegrationEvent;",
    );
    expect(record.events).toEqual([
      {
        name: "OrderStatusChangedToPaidIntegrationEvent",
        line: 1,
        published: true,
        fields: ["OrderId:int@1", "OrderStockItems:IEnumerable<OrderStockItem>@1"],
      },
    ]);
    const props = messaging(
      "src/Ordering.API/Events/Shipped.cs",
      `public record OrderShippedIntegrationEvent : IntegrationEvent
{
    public int OrderId { get; }
    public OrderStatus OrderStatus { get; init; }
    public static int Version => 2;
    public OrderShippedIntegrationEvent(int orderId) { OrderId = orderId; }
}`,
    );
    expect(props.events[0]!.fields).toEqual(["OrderId:int@3", "OrderStatus:OrderStatus@4"]);
  });

  it("keeps an event-sourced aggregate's own events unpublished and skips handlers", () => {
    expect(
      messaging(
        "accounting/src/main/java/domain/AccountCreatedEvent.java",
        "public class AccountCreatedEvent implements Event {\n  private long consumerId;\n}",
      ).events,
    ).toEqual([{ name: "AccountCreatedEvent", line: 1, published: false, fields: ["consumerId:long@2"] }]);
    expect(
      messaging("src/Ordering.API/Handlers/H.cs", "public class OrderPaidIntegrationEventHandler : IIntegrationEventHandler<X> { }").events,
    ).toEqual([]);
  });
});

describe("SNS and SQS (AWS SDK for JavaScript v2 and v3, boto3, sqs-consumer)", () => {
  it("reads a v3 command's input declared above the call, and names the queue or topic by the last segment of its URL or ARN", () => {
    const text = [
      `const { SQSClient, SendMessageCommand, ReceiveMessageCommand } = require("@aws-sdk/client-sqs");`, // 1
      `const sqsClient = new SQSClient({ region: "us-east-2" });`, // 2
      `const params = {`, // 3
      `  QueueUrl: "https://sqs.us-east-2.amazonaws.com/111122223333/ShipmentTrackingQueue",`, // 4
      `  MessageBody: "status: delivered",`, // 5
      `};`, // 6
      `const run = async () => {`, // 7
      `  const data = await sqsClient.send(new SendMessageCommand(params));`, // 8
      `};`, // 9
      `export async function poll() {`, // 10
      `  const input = { QueueUrl: "https://sqs.us-east-2.amazonaws.com/111122223333/ShipmentReturnsQueue", WaitTimeSeconds: 20 };`, // 11
      `  const command = new ReceiveMessageCommand(input);`, // 12
      `  return sqsClient.send(command);`, // 13
      `}`, // 14
    ].join("\n");
    expect(messaging("tracking/sqs-consumer.js", text).topics).toEqual([
      "8 producer SQS ShipmentTrackingQueue",
      "12 consumer SQS ShipmentReturnsQueue",
    ]);
    const sns = [
      `import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";`, // 1
      `const snsClient = new SNSClient({ region: "us-east-2" });`, // 2
      `async function publishMessage() {`, // 3
      `  const params = {`, // 4
      `    Message: "hello",`, // 5
      `    TopicArn: "arn:aws:sns:us-east-2:111122223333:PlatformTopic",`, // 6
      `  };`, // 7
      `  await snsClient.send(new PublishCommand(params));`, // 8
      `}`, // 9
    ].join("\n");
    expect(messaging("notify/send.js", sns).topics).toEqual(["8 producer SNS PlatformTopic"]);
  });

  it("reads v2 calls with a payload assigned before them, and sqs-consumer's Consumer.create", () => {
    const text = [
      `'use strict'`, // 1
      `const AWS = require('aws-sdk')`, // 2
      `const { Consumer } = require('sqs-consumer')`, // 3
      `const sns = new AWS.SNS()`, // 4
      `const topic = 'arn:aws:sns:us-west-2:111122223333:delivered'`, // 5
      `const app = Consumer.create({`, // 6
      `  queueUrl: 'https://sqs.us-west-2.amazonaws.com/111122223333/Package_Queue',`, // 7
      `  handleMessage: handleMessage`, // 8
      `})`, // 9
      `function handleMessage(message) {`, // 10
      `  payload = { Message: message.Body, TopicArn: topic }`, // 11
      `  sns.publish(payload).promise()`, // 12
      `}`, // 13
    ].join("\n");
    expect(messaging("driver/index.js", text).topics).toEqual(["12 producer SNS delivered", "6 consumer SQS Package_Queue"]);
  });

  it("takes each call's own input: a declaration in another function, or a URL from a parameter or the environment, is no name", () => {
    const text = [
      `import SQS from "aws-sdk/clients/sqs";`, // 1
      `const sqsClient = new SQS();`, // 2
      `const QueueUrl = process.env.QUEUE_URL;`, // 3
      `async function saveOrder(order: Order): Promise<void> {`, // 4
      `  const params: SQS.Types.SendMessageRequest = {`, // 5
      `    MessageBody: JSON.stringify(order),`, // 6
      `    QueueUrl: "https://sqs.eu-central-1.amazonaws.com/111122223333/order-events",`, // 7
      `  };`, // 8
      `  await sqsClient.sendMessage(params).promise();`, // 9
      `}`, // 10
      `async function forward(url: string, body: string): Promise<void> {`, // 11
      `  const params = { QueueUrl: url, MessageBody: body };`, // 12
      `  await sqsClient.sendMessage(params).promise();`, // 13
      `}`, // 14
      `async function drain(): Promise<void> {`, // 15
      `  const params = { QueueUrl, MaxNumberOfMessages: 10 };`, // 16
      `  await sqsClient.receiveMessage(params).promise();`, // 17
      `  await sqsClient.sendMessage(settings).promise();`, // 18
      `}`, // 19
    ].join("\n");
    expect(messaging("orders/src/handler.ts", text).topics).toEqual(["9 producer SQS order-events"]);
  });

  it("reads boto3's QueueUrl and TopicArn keywords through a module constant", () => {
    const text = [
      `import boto3`, // 1
      `QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/111122223333/invoices"`, // 2
      `sqs = boto3.client("sqs")`, // 3
      `sns_client = boto3.client("sns")`, // 4
      `def send(invoice):`, // 5
      `    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=invoice.json())`, // 6
      `    sns_client.publish(TopicArn="arn:aws:sns:us-east-1:111122223333:invoice-issued", Message=invoice.json())`, // 7
      `    sqs.receive_message(QueueUrl=os.environ["REPLIES_URL"])`, // 8
    ].join("\n");
    expect(messaging("billing/app/queues.py", text).topics).toEqual(["6 producer SQS invoices", "7 producer SNS invoice-issued"]);
  });
});

describe("names in constants and class attributes", () => {
  it("reads pika's exchange and routing key from class attributes through self (robot-shop's payment publisher)", () => {
    const text = [
      `import json`, // 1
      `import pika`, // 2
      ``, // 3
      `class Publisher:`, // 4
      `    HOST = 'rabbitmq'`, // 5
      `    EXCHANGE='shop'`, // 6
      `    TYPE='direct'`, // 7
      `    ROUTING_KEY = 'orders'`, // 8
      ``, // 9
      `    def __init__(self, logger):`, // 10
      `        self._logger = logger`, // 11
      ``, // 12
      `    def _publish(self, msg):`, // 13
      `        self._channel.basic_publish(exchange=self.EXCHANGE,`, // 14
      `                                    routing_key=self.ROUTING_KEY,`, // 15
      `                                    body=json.dumps(msg).encode())`, // 16
    ].join("\n");
    expect(messaging("payment/rabbitmq.py", text).topics).toEqual(["14 producer RabbitMQ orders"]);
  });

  it("leaves a class attribute or constant unread when it is not a literal or is rebound from configuration", () => {
    const text = [
      `import os`, // 1
      `EXCHANGE = os.getenv('EXCHANGE', 'shop')`, // 2
      `class Publisher:`, // 3
      `    ROUTING_KEY = 'orders'`, // 4
      `    def __init__(self, config):`, // 5
      `        self.ROUTING_KEY = config.routing_key`, // 6
      `    def publish(self, body):`, // 7
      `        self.channel.basic_publish(exchange=EXCHANGE, routing_key=self.ROUTING_KEY, body=body)`, // 8
    ].join("\n");
    expect(messaging("payment/rabbitmq.py", text).topics).toEqual([]);
  });

  it("reads JavaScript and TypeScript module constants and class fields, and the binding visible at the call", () => {
    const text = [
      `import type { Producer } from "kafkajs";`, // 1
      `const ORDERS = 'orders.created';`, // 2
      `let auditTopic = 'audit';`, // 3
      `if (process.env.AUDIT_TOPIC) auditTopic = process.env.AUDIT_TOPIC;`, // 4
      `export class OrderEvents {`, // 5
      `  private readonly paymentsTopic: string = 'payments.captured';`, // 6
      `  async created(order) {`, // 7
      `    await this.producer.send({ topic: ORDERS, messages: [order] });`, // 8
      `    await this.producer.send({ topic: this.paymentsTopic, messages: [order] });`, // 9
      `    await this.producer.send({ topic: auditTopic, messages: [order] });`, // 10
      `  }`, // 11
      `}`, // 12
    ].join("\n");
    expect(messaging("src/orders/order-events.ts", text).topics).toEqual(["8 producer Kafka orders.created", "9 producer Kafka payments.captured"]);
  });

  it("reads Java static final constants with KafkaTemplate and the plain Kafka client, not a @Value field", () => {
    const text = [
      `@Service`, // 1
      `public class PaymentEvents {`, // 2
      `    public static final String TOPIC = "payment-events";`, // 3
      `    private static final String REFUNDS = "payment-refunds";`, // 4
      `    @Value("\${app.audit-topic}")`, // 5
      `    private String auditTopic;`, // 6
      `    void paid(PaymentPaid e) {`, // 7
      `        kafkaTemplate.send(TOPIC, e.id(), e);`, // 8
      `        kafkaTemplate.send(auditTopic, e.id(), e);`, // 9
      `        producer.send(new ProducerRecord<>(REFUNDS, e.id(), e.toJson()));`, // 10
      `        consumer.subscribe(Collections.singletonList(REFUNDS));`, // 11
      `        consumer.subscribe(Arrays.asList(TOPIC, "payment-retries"));`, // 12
      `    }`, // 13
      `}`, // 14
    ].join("\n");
    expect(messaging("payments/src/main/java/com/acme/payments/PaymentEvents.java", text).topics).toEqual([
      "8 producer Kafka payment-events",
      "10 producer Kafka payment-refunds",
      "11 consumer Kafka payment-refunds",
      "12 consumer Kafka payment-events",
      "12 consumer Kafka payment-retries",
    ]);
  });

  it("reads confluent-kafka-dotnet's Subscribe of a const or an array, Produce, and not a topic from options", () => {
    const text = [
      `using Confluent.Kafka;`, // 1
      `namespace Accounting;`, // 2
      `internal class Consumer : IDisposable`, // 3
      `{`, // 4
      `    private const string TopicName = "orders";`, // 5
      `    private IConsumer<string, byte[]> _consumer;`, // 6
      `    public Consumer(IOptions<KafkaOptions> options)`, // 7
      `    {`, // 8
      `        _consumer = BuildConsumer(options.Value.Servers);`, // 9
      `        _consumer.Subscribe(TopicName);`, // 10
      `        _retryConsumer.Subscribe(new[] { "orders-retry", "orders-dlq" });`, // 11
      `        _auditConsumer.Subscribe(options.Value.Topics);`, // 12
      `        _producer.Produce("orders-audit", new Message<string, byte[]> { Value = body });`, // 13
      `    }`, // 14
      `}`, // 15
    ].join("\n");
    expect(messaging("src/accounting/Consumer.cs", text).topics).toEqual([
      "10 consumer Kafka orders",
      "11 consumer Kafka orders-retry",
      "11 consumer Kafka orders-dlq",
      "13 producer Kafka orders-audit",
    ]);
  });
});
