import type { IncomingMessage, ServerResponse } from "node:http";

/** `GET /healthz`: the process is up and serving (load balancers, Kubernetes probes). */
export function healthHandler(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? "/").split("?")[0];
  if (path !== "/healthz" || (req.method !== "GET" && req.method !== "HEAD")) return false;
  res.writeHead(200, { "content-type": "application/json" }).end(req.method === "HEAD" ? undefined : '{"status":"ok"}');
  return true;
}
