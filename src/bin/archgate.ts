#!/usr/bin/env node
// The `archgate` bin (built to dist/cli.js): the CLI's bundle, dist/cli.cjs, run through V8's code cache (launch.ts).
import { join } from "node:path";
import { launch } from "./launch.js";

launch(join(import.meta.dirname, "cli.cjs"));
