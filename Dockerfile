# Loopline: build with the Maven wrapper, run the shaded jar on a JRE as a non-root user.
#
#   docker build -t loopline .
#   docker run -p 8080:8080 -v loopline-data:/app/data -v "$PWD/conf:/app/conf:ro" loopline
#
# With no db.url the node runs its embedded PostgreSQL under /app/data/postgres. The build ships the
# embedded binaries for linux-amd64 only; on other platforms set LOOPLINE_DB_URL. The built-in defaults
# are inside the jar, so the conf mount is optional.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /build
# The wrapper and the POM first: Maven and the dependencies stay in a cached layer until pom.xml changes.
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline
COPY src src
COPY conf conf
RUN ./mvnw -B -DskipTests package

FROM eclipse-temurin:17-jre
# A system account with no fixed uid: the Ubuntu base image already has a user with uid 1000.
RUN groupadd --system loopline \
 && useradd --system --gid loopline --home-dir /app --shell /usr/sbin/nologin loopline
WORKDIR /app
COPY --from=build /build/target/loopline.jar /app/loopline.jar
# dataDir defaults to ./data: embedded PostgreSQL data and its lock file. Created and owned before VOLUME,
# so a new volume starts out writable by the loopline user.
RUN mkdir -p /app/data && chown loopline:loopline /app/data
VOLUME /app/data
# Loopline reads ./conf/loopline.yaml from its working directory if present: mount conf/ at /app/conf.
USER loopline
EXPOSE 8080
# No HEALTHCHECK: it would need an HTTP client in the image, and Loopline installs no packages. curl is not
# something to rely on in Temurin JRE images (Adoptium dropped it from its JDK 22+ images). Probe
# GET /health/live and GET /health/ready from the orchestrator instead.
#
# Exec form, so java is PID 1 and receives SIGTERM: the node drains HTTP for up to
# http.shutdownTimeoutSeconds (default 30). docker stop waits only 10 s by default; use --stop-timeout 40
# or docker stop -t 40 to let it finish.
ENTRYPOINT ["java", "-jar", "loopline.jar"]
