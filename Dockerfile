# Build the TypeScript once, then run plain JavaScript as a non-root user.
# Node 22 LTS (20 reached end of life in April 2026); the code also runs on 20 and 24.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY shared shared
COPY workers workers
COPY api api
COPY web web
# tsc does not copy the Lua scripts the modules read at start-up.
RUN npx tsc -p tsconfig.build.json \
  && find shared workers -name "*.lua" -exec cp --parents {} dist/ \; \
  && node web/build.mjs \
  && npm prune --omit=dev
# The built-in scorer's trained model, found relative to dist/workers/score/builtin/.
COPY data/model dist/data/model

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/web/dist web/dist
COPY package.json ./
USER node
EXPOSE 8080 9091
CMD ["node", "dist/api/main.js"]
