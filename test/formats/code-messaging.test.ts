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
