/**
 * Producers and consumers declared in code, reviewed as a whole change: the event-contract trigger fires on a
 * topic or queue a PR adds or removes (named through a literal, a same-file constant or class attribute, or an
 * AWS queue URL / topic ARN), and stays quiet when the names stay the same or are not static.
 */
import { describe, expect, it } from "vitest";
import { defaultConfig, reviewChange } from "../../src/builtins.js";
import { changeFromTrees } from "../../src/engine/memory-change.js";

type Tree = Record<string, string>;
const lines = (...l: string[]) => `${l.join("\n")}\n`;

async function eventHits(base: Tree, head: Tree) {
  const report = await reviewChange(changeFromTrees(base, head), defaultConfig());
  return (report.triggers.find((t) => t.id === "event-contract")?.hits ?? []).map((h) => `${h.file}:${h.line} ${h.reason}`);
}

const DRIVER_CONSUMER = lines(
  "'use strict'", // 1
  "const { Consumer } = require('sqs-consumer')", // 2
  "const app = Consumer.create({", // 3
  "  queueUrl: 'https://sqs.us-west-2.amazonaws.com/111122223333/Package_Queue',", // 4
  "  handleMessage: handleMessage", // 5
  "})", // 6
  "function handleMessage(message) { console.log(message.Body) }", // 7
  "app.start()", // 8
);

const DRIVER_PUBLISHER = lines(
  "'use strict'", // 1
  "const AWS = require('aws-sdk')", // 2
  "AWS.config.update({ region: 'us-west-2' })", // 3
  "const sns = new AWS.SNS()", // 4
  "const topic = 'arn:aws:sns:us-west-2:111122223333:delivered'", // 5
  "const payload = {", // 6
  "  Message: JSON.stringify({ status: 'delivered' }),", // 7
  "  TopicArn: topic", // 8
  "}", // 9
  "sns.publish(payload).promise()", // 10
  "  .then((data) => console.log(data))", // 11
);

const TRACKING_PRODUCER = (comment: string) =>
  lines(
    'const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");', // 1
    'const sqsClient = new SQSClient({ region: "us-east-2" });', // 2
    "const params = {", // 3
    '  QueueUrl: "https://sqs.us-east-2.amazonaws.com/111122223333/ShipmentTrackingQueue",', // 4
    '  MessageBody: "status: delivered",', // 5
    "};", // 6
    "const run = async () => {", // 7
    "  const data = await sqsClient.send(new SendMessageCommand(params));", // 8
    '  console.log("sent", data.MessageId);', // 9
    "};", // 10
    "run();", // 11
    comment, // 12
  );

describe("event-contract on SNS and SQS producers and consumers", () => {
  it("fires on an SNS publisher added beside a driver's queue consumer (AWS SDK v2, payload declared above the call)", async () => {
    const base = { "Driver/index.js": DRIVER_CONSUMER, "Driver/package.json": '{ "name": "driver" }\n' };
    const head = { ...base, "Driver/publish.js": DRIVER_PUBLISHER };
    expect(await eventHits(base, head)).toEqual(['Driver/publish.js:10 adds SNS producer of "delivered" in Driver/publish.js']);
  });

  it("fires on a v3 SendMessageCommand whose input is declared before the call, naming the queue by its URL", async () => {
    const head = { "tracking/sqs-producer.js": TRACKING_PRODUCER("") };
    expect(await eventHits({}, head)).toEqual([
      'tracking/sqs-producer.js:8 adds SQS producer of "ShipmentTrackingQueue" in tracking/sqs-producer.js',
    ]);
  });

  it("stays quiet when only a comment beside the producer changes", async () => {
    const base = {
      "tracking/sqs-producer.js": TRACKING_PRODUCER('//const queueURL = "https://sqs.us-east-2.amazonaws.com/111122223333/ShipmentTrackingQueue";'),
    };
    const head = {
      "tracking/sqs-producer.js": TRACKING_PRODUCER(
        "//aws sqs send-message --queue-url https://sqs.us-east-2.amazonaws.com/111122223333/ShipmentTrackingQueue",
      ),
    };
    expect(await eventHits(base, head)).toEqual([]);
  });

  it("stays quiet on a consumer whose queue URL comes from the environment", async () => {
    const consumer = lines(
      "import * as dotenv from 'dotenv'", // 1
      "dotenv.config()", // 2
      "const QueueUrl = process.env.QUEUE_URL;", // 3
      'import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";', // 4
      'import { sqsClient } from "./sqs-client.js";', // 5
      "const params = { MaxNumberOfMessages: 1, QueueUrl, WaitTimeSeconds: 20 };", // 6
      "const run = async () => {", // 7
      "  const data = await sqsClient.send(new ReceiveMessageCommand(params));", // 8
      "  return data;", // 9
      "};", // 10
    );
    expect(await eventHits({}, { "v3/sqs-consumer.js": consumer })).toEqual([]);
  });
});

describe("event-contract on names held in constants and class attributes", () => {
  const PUBLISHER = (routingKey: string) =>
    lines(
      "import json", // 1
      "import pika", // 2
      "", // 3
      "class Publisher:", // 4
      "    HOST = 'rabbitmq'", // 5
      "    EXCHANGE='shop'", // 6
      "    TYPE='direct'", // 7
      `    ROUTING_KEY = ${routingKey}`, // 8
      "", // 9
      "    def _publish(self, msg):", // 10
      "        self._channel.basic_publish(exchange=self.EXCHANGE,", // 11
      "                                    routing_key=self.ROUTING_KEY,", // 12
      "                                    body=json.dumps(msg).encode())", // 13
    );

  it("fires on a pika publisher added with its exchange and routing key in class attributes (robot-shop's payment service)", async () => {
    const base = { "payment/payment.py": "from flask import Flask\napp = Flask(__name__)\n" };
    const head = { ...base, "payment/rabbitmq.py": PUBLISHER("'orders'") };
    expect(await eventHits(base, head)).toEqual(['payment/rabbitmq.py:11 adds RabbitMQ producer of "orders" in payment/rabbitmq.py']);
  });

  it("fires when the class attribute naming the routing key changes, and not when it is read from the environment", async () => {
    expect(await eventHits({ "payment/rabbitmq.py": PUBLISHER("'orders'") }, { "payment/rabbitmq.py": PUBLISHER("'orders.v2'") })).toEqual([
      'payment/rabbitmq.py:11 adds RabbitMQ producer of "orders.v2"; removes RabbitMQ producer of "orders" in payment/rabbitmq.py',
    ]);
    expect(
      await eventHits(
        { "payment/rabbitmq.py": PUBLISHER("os.getenv('ROUTING_KEY', 'orders')") },
        { "payment/rabbitmq.py": PUBLISHER("os.getenv('ROUTING_KEY', 'orders.v2')") },
      ),
    ).toEqual([]);
  });

  it("fires on a Java constant renamed in a KafkaTemplate producer of a com.example package, not on the same topic re-indented", async () => {
    const producer = (topic: string, indent: string) =>
      lines(
        "package com.example.orderservice.service;", // 1
        "@Service", // 2
        "public class OrderProducer {", // 3
        `    private static final String TOPIC = "${topic}";`, // 4
        "    private final KafkaTemplate<String, Order> kafkaTemplate;", // 5
        "    public void sendOrder(Order order) {", // 6
        `${indent}kafkaTemplate.send(TOPIC, order);`, // 7
        "    }", // 8
        "}", // 9
      );
    const path = "order-service/src/main/java/com/example/orderservice/service/OrderProducer.java";
    expect(await eventHits({ [path]: producer("order-topic", "        ") }, { [path]: producer("order-topic", "      ") })).toEqual([]);
    expect(await eventHits({ [path]: producer("order-topic", "        ") }, { [path]: producer("order-placed", "        ") })).toEqual([
      `${path}:7 adds Kafka producer of "order-placed"; removes Kafka producer of "order-topic" in ${path}`,
    ]);
  });

  it("reads a .NET consumer's const topic the same on both sides of a rewrite (no change), and fires on a new one", async () => {
    const consumer = (topic: string) =>
      lines(
        "using Confluent.Kafka;", // 1
        "namespace Accounting;", // 2
        "internal class Consumer : IDisposable", // 3
        "{", // 4
        `    private const string TopicName = "${topic}";`, // 5
        "    private IConsumer<string, byte[]> _consumer;", // 6
        "    public Consumer(string servers)", // 7
        "    {", // 8
        "        _consumer = BuildConsumer(servers);", // 9
        "        _consumer.Subscribe(TopicName);", // 10
        "    }", // 11
        "}", // 12
      );
    const path = "src/accounting/Consumer.cs";
    expect(await eventHits({}, { [path]: consumer("orders") })).toEqual([`${path}:10 adds Kafka consumer of "orders" in ${path}`]);
    expect(await eventHits({ [path]: consumer("orders") }, { [path]: `${consumer("orders")}// reformatted\n` })).toEqual([]);
  });
});
