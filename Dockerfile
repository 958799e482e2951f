# Build the TypeScript once, then run plain JavaScript as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY shared shared
COPY workers workers
COPY api api
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev
# The built-in scorer's trained model, found relative to dist/workers/score/.
COPY data/model dist/data/model

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
USER node
EXPOSE 8080 9091
CMD ["node", "dist/api/main.js"]
