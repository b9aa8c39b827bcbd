#!/bin/sh
# one real offline run of trade-service: $1 = variant name, $2... = extra -D flags
set -e
variant=$1; shift
rm -rf /tmp/trade && cp -r /work/wt-fixture/tests/data/enterprise/project /tmp/trade && cd /tmp/trade
# jacoco-maven-plugin is not in the offline ~/.m2: put Debian's JaCoCo agent in argLine as prepare-agent would
sed -i 's#<argLine></argLine>#<argLine>-javaagent:/tmp/jacoco/jacocoagent.jar=destfile=/tmp/trade/target/jacoco.exec</argLine>#' pom.xml
mvn -o -B -P '!jacoco' test -Dmaven.test.failure.ignore=true "$@" > /tmp/mvn-$variant.log 2>&1
mkdir -p /tmp/runs/$variant && cp target/surefire-reports/TEST-*.xml /tmp/runs/$variant/
cp target/jacoco.exec /tmp/runs/$variant/
