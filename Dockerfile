# kube-havoc container image. Three stages on one pinned Node 24 base (the
# same version as the project's "node" devDependency, which the tests run on).
# BASE_IMAGE replaces it for a build that cannot pull from a container
# registry (npm run test:image assembles one from Debian and npm packages):
#   build: npm ci (from the lockfile) and npm run build, which emits dist/
#   deps:  npm ci --omit=dev, the production dependencies only
#   final: dist/ and production node_modules, no npm, running as uid 1000
# The chart runs it with a read-only root filesystem and mounts
# /etc/kube-havoc/config.yaml. No build tools (compiler, make, python) are in
# the slim base, and npm is removed from the final stage. Every file is owned by
# root and readable by all, so the image runs under any non-root UID
# (OpenShift's restricted profile assigns one).

ARG BASE_IMAGE=node:24.21.0-trixie-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# main.js is also the `kube-havoc` command (its shebang runs node): `kubectl exec deploy/... -- kube-havoc pause ...`.
RUN npm run build && chmod 0755 dist/main.js

FROM ${BASE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM ${BASE_IMAGE}
# The source revision (git rev-parse HEAD), shown as havoc_build_info{revision}; unknown when the build does not pass it.
ARG REVISION=unknown
LABEL org.opencontainers.image.title="kube-havoc" \
      org.opencontainers.image.description="Scheduled chaos daemon for Kubernetes" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.revision="${REVISION}"
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
WORKDIR /app
ENV NODE_ENV=production HAVOC_REVISION=${REVISION}
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN ln -s /app/dist/main.js /usr/local/bin/kube-havoc
# Numeric, so that Kubernetes' runAsNonRoot can verify it (uid 1000 is "node").
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "dist/main.js"]
CMD ["run", "--config", "/etc/kube-havoc/config.yaml"]
