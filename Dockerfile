# aigw-edge on Node, for `docker build -t aigw-edge .` and
#   docker run -p 5052:5052 -p 50052:50052 -e AIGW_GITLAB_URL=... -e AIGW_GITLAB_API_URL=... aigw-edge
# The runtime image is FROM scratch: the node binary, the shared libraries it links, the bundle
# and the Swagger UI files; no shell, no npm, no package manager. Builds with Docker and with
# buildah 1.28 (hence no COPY --link and no heredoc RUN; buildah needs --format docker to keep
# the HEALTHCHECK).
ARG BASE=node:22-slim

# 1. The bundle: runtime dependencies from the lock file, esbuild (the lock's version) beside them.
FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && esbuild_version=$(node -p "require('./package-lock.json').packages['node_modules/esbuild'].version") \
 && npm install --prefix /opt/esbuild --no-save --no-audit --no-fund "esbuild@${esbuild_version}" \
 && ln -s /opt/esbuild/node_modules/esbuild node_modules/esbuild
COPY tsconfig.base.json ./
COPY src ./src
COPY node-entry ./node-entry
COPY scripts ./scripts
RUN node scripts/build-node.mjs

# 2. The runtime's root file system, assembled where there is a shell: node (stripped of its
#    symbol table: 4 MB less compressed; binutils comes from apt when the base lacks it), the libraries ldd lists, a passwd/group with user node (1000), /tmp, and
#    only the files of swagger-ui-dist that /docs serves.
FROM ${BASE} AS rootfs
COPY --from=build /app/dist/node /rootfs/app/dist/node
COPY --from=build /app/node_modules/swagger-ui-dist /tmp/swagger-ui-dist
COPY scripts/container/healthcheck.mjs /rootfs/app/healthcheck.mjs
COPY scripts/container/elf-has-symbols.mjs /tmp/elf-has-symbols.mjs
RUN set -eu \
 && mkdir -p /rootfs/usr/local/bin /rootfs/etc /rootfs/tmp /rootfs/home/node /rootfs/app/node_modules/swagger-ui-dist \
 && cp /usr/local/bin/node /rootfs/usr/local/bin/node \
 && if node /tmp/elf-has-symbols.mjs /rootfs/usr/local/bin/node; then \
      if ! command -v strip >/dev/null; then \
        apt-get update -qq && apt-get install -y -qq --no-install-recommends binutils >/dev/null; \
      fi; \
      strip /rootfs/usr/local/bin/node; \
    fi \
 && for lib in $(ldd /usr/local/bin/node | grep -o '/[^ ]*'); do cp -L --parents "$lib" /rootfs; done \
 && cd /tmp/swagger-ui-dist \
 && cp package.json LICENSE swagger-ui.css swagger-ui-bundle.js favicon-32x32.png favicon-16x16.png /rootfs/app/node_modules/swagger-ui-dist/ \
 && echo 'root:x:0:0:root:/root:/sbin/nologin' > /rootfs/etc/passwd \
 && echo 'node:x:1000:1000:node:/home/node:/sbin/nologin' >> /rootfs/etc/passwd \
 && printf 'root:x:0:\nnode:x:1000:\n' > /rootfs/etc/group \
 && echo 'hosts: files dns' > /rootfs/etc/nsswitch.conf \
 && if [ -f /etc/ssl/certs/ca-certificates.crt ]; then mkdir -p /rootfs/etc/ssl/certs && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; fi \
 && chmod 1777 /rootfs/tmp \
 && chown 1000:1000 /rootfs/home/node \
 && rm -f /rootfs/app/dist/node/*.map \
 && /rootfs/usr/local/bin/node --version

# 3. The image.
FROM scratch
COPY --from=rootfs /rootfs /
ENV NODE_ENV=production \
    PATH=/usr/local/bin \
    HOME=/home/node
WORKDIR /app
USER 1000:1000
# 5052: the API; 8082: Prometheus metrics (AIGW_FASTAPI__METRICS_PORT); 50052: the Agent Platform
# service, gRPC (DUO_WORKFLOW_PORT). One process serves all three.
EXPOSE 5052 8082 50052
# Healthy while both the API and the Agent Platform port answer (scripts/container/healthcheck.mjs).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
# node is PID 1: it handles SIGTERM itself (stops accepting, finishes in-flight requests, exits 0).
CMD ["node", "/app/dist/node/main.mjs"]
