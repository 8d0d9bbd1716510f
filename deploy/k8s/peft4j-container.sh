#!/bin/sh
# The image's entry point: ./peft4j without the build step. PEFT4J_JAVA_OPTS and PEFT4J_CLASSPATH
# work as with the launcher (README, "The command line").
# shellcheck disable=SC2086 # PEFT4J_JAVA_OPTS holds several options
exec java ${PEFT4J_JAVA_OPTS:-} -cp "/opt/peft4j/peft4j-harness.jar${PEFT4J_CLASSPATH:+:$PEFT4J_CLASSPATH}" \
  dev.peft4j.harness.cli.Peft4jCommand "$@"
