# archgate GitHub App. Build: docker build -t archgate .
# Run:   docker run -p 3000:3000 -e APP_ID=... -e WEBHOOK_SECRET=... \
#          -e PRIVATE_KEY_PATH=/run/secrets/archgate.pem -v "$PWD/key.pem:/run/secrets/archgate.pem:ro" archgate

# Node 20.20: package.json `engines` asks for ^20.19.0 || ^22.13.0 || >=24 (what the dependencies and dev tools need).
# 1. Build: full install, compile TypeScript to dist/.
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-bundles.ts ./scripts/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# 2. Runtime: production dependencies and dist/ only, as the unprivileged `node` user.
FROM node:20.20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    LOG_LEVEL=info \
    NODE_OPTIONS=--max-old-space-size=160
# The heap cap keeps peak RSS near 200 MB under sustained load (V8 otherwise grows the heap lazily to 300+ MB).
# Required at run time (never baked in): APP_ID, WEBHOOK_SECRET, PRIVATE_KEY or PRIVATE_KEY_PATH.
# Optional: GHE_HOST, GHE_PROTOCOL (GitHub Enterprise Server), REDIS_URL (shared rate limiting),
# ARCHGATE_REQUEST_TIMEOUT_MS (one GitHub API attempt, default 15000), ARCHGATE_CONCURRENCY (reviews at once, default 4),
# ARCHGATE_REVIEW_TIMEOUT_MS (a review's time budget, default 120000); see README "Run it".
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node app.yml ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node directly (not npm) as PID 1, so SIGTERM reaches src/server.ts, which stops the server and exits.
CMD ["node", "dist/server.js"]
