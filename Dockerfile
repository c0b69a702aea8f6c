# Loopline: built with the Maven wrapper, run on a JRE as a non-root user.
#
#   docker build -t loopline .
#   docker run -p 8080:8080 -v loopline-data:/app/data loopline
#
# With no db.url the node runs its embedded PostgreSQL under /app/data/postgres (one node; the build ships
# the embedded binaries for linux-amd64 only; elsewhere set LOOPLINE_DB_URL). Every setting is a LOOPLINE_*
# variable (conf/loopline.yaml lists them); the built-in defaults are inside the jar, and a conf/loopline.yaml
# mounted at /app/conf/loopline.yaml is read too. compose.yaml and deploy/kubernetes/ run it with a real
# PostgreSQL and Redis; docs/operations.md says how, and what of this was tested.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /build
# The wrapper and the POM first: Maven and the dependencies stay in a cached layer until pom.xml changes.
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q -Pimage dependency:go-offline
COPY src src
COPY conf conf
# -Pimage: target/lib/ holds the dependencies, target/loopline.jar only Loopline's classes, its manifest
# naming lib/*.jar (no shaded jar).
RUN ./mvnw -B -q -Pimage -DskipTests package

FROM eclipse-temurin:17-jre
# A system account with a fixed uid of its own (the Ubuntu base image already has a user with uid 1000):
# USER is numeric so that Kubernetes' runAsNonRoot can check it.
RUN groupadd --system --gid 10001 loopline \
 && useradd --system --uid 10001 --gid loopline --home-dir /app --shell /usr/sbin/nologin loopline
WORKDIR /app
# Two layers: the dependencies (byte for byte the same until pom.xml's dependencies change, so this layer is
# reused after a code change, in the image and in a registry), then Loopline's own jar (under 1 MB).
COPY --from=build /build/target/lib /app/lib
COPY --from=build /build/target/loopline.jar /app/loopline.jar
COPY deploy/healthcheck.sh /app/healthcheck.sh
# dataDir defaults to ./data: embedded PostgreSQL data and its lock file. Created and owned before VOLUME,
# so a new volume starts out writable by the loopline user.
RUN mkdir -p /app/data && chown loopline:loopline /app/data && chmod 0755 /app/healthcheck.sh
VOLUME /app/data
USER 10001:10001
EXPOSE 8080
# GET /health/live through bash's /dev/tcp (the JRE image has no curl). The start period covers migrations;
# orchestrators use their own probes (deploy/kubernetes/), compose.yaml probes /health/ready.
HEALTHCHECK --interval=10s --timeout=6s --start-period=120s --retries=3 CMD ["/app/healthcheck.sh", "/health/live"]
# The heap is sized from the container's memory limit (75% of it; the rest is metaspace, threads, Netty's
# direct buffers and the embedded PostgreSQL if used), and an OutOfMemoryError ends the process so that the
# orchestrator restarts it rather than leaving it half alive.
# Exec form, so java is PID 1 and receives SIGTERM: readiness fails at once, the node serves for
# http.drainDelayMs (5 s), drains HTTP for up to http.shutdownTimeoutSeconds (30 s), lets jobs finish for up to
# jobs.shutdownTimeoutMs (20 s), and gives itself at most drain + shutdown + 30 s. docker stop waits only
# 10 s by default: use --stop-timeout 70 or docker stop -t 70 (compose.yaml sets stop_grace_period).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "loopline.jar"]
