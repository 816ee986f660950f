# kube-havoc container image. Stages on one pinned Node 24 base (the same
# version as the project's "node" devDependency, which the tests run on), and
# a final stage from scratch. BASE_IMAGE replaces the base for a build that
# cannot pull from a container registry (npm run test:image assembles one from
# Debian and npm packages):
#   build:  npm ci (from the lockfile) and npm run build, which emits dist/
#   deps:   npm ci --omit=dev --omit=optional, the runtime dependencies only
#           (pino-pretty is optional: a daemon's logs are JSON), without
#           their type declarations and source maps
#   rootfs: the final file tree: node and the shared libraries it links, env
#           (the kube-havoc command's shebang), /tmp, and the app
#   final:  that tree alone: no shell, no package manager, no npm, uid 1000
# The chart runs it with a read-only root filesystem and mounts
# /etc/kube-havoc/config.yaml. Every file is owned by root and readable by all,
# so the image runs under any non-root UID (OpenShift's restricted profile
# assigns one).

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
# Type declarations and source maps are for editors and debuggers, not for node: a third of node_modules.
RUN npm ci --omit=dev --omit=optional && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete

FROM ${BASE_IMAGE} AS rootfs
COPY package.json /rootfs/app/
COPY --from=deps /app/node_modules /rootfs/app/node_modules
COPY --from=build /app/dist /rootfs/app/dist
# ldd names what node and env load (libc, libstdc++, libgcc_s, libm, the loader), for this architecture.
RUN for binary in /usr/local/bin/node /usr/bin/env; do cp --parents "$binary" /rootfs && ldd "$binary" | awk '/=> \//{print $3} /^[[:space:]]*\//{print $1}' | xargs cp -L --parents -t /rootfs; done && mkdir -m 1777 /rootfs/tmp && ln -s /app/dist/main.js /rootfs/usr/local/bin/kube-havoc && chroot /rootfs /usr/local/bin/node --version

FROM scratch
# The source revision (git rev-parse HEAD), shown as havoc_build_info{revision}; unknown when the build does not pass it.
ARG REVISION=unknown
LABEL org.opencontainers.image.title="kube-havoc" \
      org.opencontainers.image.description="Scheduled chaos daemon for Kubernetes" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=rootfs /rootfs /
WORKDIR /app
ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production HAVOC_REVISION=${REVISION}
# Numeric, so that Kubernetes' runAsNonRoot can verify it (uid 1000 is "node").
USER 1000:1000
# The metrics listener (server.port) and the health listener (server.healthPort).
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/main.js"]
CMD ["run", "--config", "/etc/kube-havoc/config.yaml"]
