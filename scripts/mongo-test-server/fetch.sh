#!/usr/bin/env bash
# Fetches the jars of the MongoDB-wire test server (de.bwaldvogel:mongo-java-server 1.47.0,
# memory backend) into scripts/mongo-test-server/target/lib and precompiles
# src/MongoTestServer.java into target/classes (optional: the test helper falls back to
# Java single-file source launch, which starts ~0.5 s slower). Idempotent; used by CI.
# Needs: Java 17+ (java, javac) and Maven 3 with access to Maven Central.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$here/target/lib"
classes="$here/target/classes"

if compgen -G "$lib/mongo-java-server-memory-backend-*.jar" >/dev/null \
  && compgen -G "$lib/mongo-java-server-core-*.jar" >/dev/null \
  && [ "$lib" -nt "$here/pom.xml" ]; then
  echo "mongo-test-server: jars already present in $lib"
else
  echo "mongo-test-server: fetching jars into $lib"
  rm -rf "$lib"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib"
  touch "$lib"
fi

if [ -f "$classes/MongoTestServer.class" ] && [ "$classes/MongoTestServer.class" -nt "$here/src/MongoTestServer.java" ]; then
  echo "mongo-test-server: classes up to date in $classes"
elif command -v javac >/dev/null 2>&1; then
  echo "mongo-test-server: compiling into $classes"
  rm -rf "$classes"
  javac -nowarn -cp "$lib/*" -d "$classes" "$here/src/MongoTestServer.java"
else
  echo "mongo-test-server: javac not found, the helper will use single-file source launch"
fi
