#!/usr/bin/env bash
# Jobs and CronJobs end to end with kubectl: a Job with completions 3 and parallelism 2 runs
# its pods (bound by the scheduler to a simulated node; the test plays the kubelet and
# reports them Succeeded) and completes, as does an Indexed Job; a Job whose pods fail
# exceeds its backoffLimit; a
# CronJob made by `kubectl create cronjob` starts a Job at the next minute (also in another
# time zone), `kubectl create job --from=cronjob/…` runs one by hand, and CronJobs with an
# unparseable schedule or an unknown time zone get Kubernetes' Warning events.
# Usage: jobs.sh <carrier binary> <kubectl binary>
source "$(dirname "$0")/lib.sh"
CARRIER=$1
KUBECTL=$2
k() { "$KUBECTL" --cache-dir "$E2E_TMP/kube-cache" "$@"; }
# The simulated nodes never heartbeat: keep the node lifecycle controller from marking them
# unreachable (and tainting them) while the suite runs.
start_carrier "$CARRIER" --node-monitor-grace-period 1h

cat <<'YAML' | k create -f - >/dev/null
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
status:
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions: [{type: Ready, status: "True", reason: KubeletReady}]
YAML

# For wait_for: whether a command prints something / nothing.
has_output() { [ -n "$("$@" 2>/dev/null)" ]; }
no_output() { [ -z "$("$@" 2>/dev/null)" ]; }
# jsonpath_is <expected> <kubectl get args...>
jsonpath_is() { [ "$(k get "${@:2}" 2>/dev/null)" = "$1" ]; }

# finish_pod <pod> <Succeeded|Failed>: the kubelet reports the pod's container exited.
finish_pod() {
  k get pod "$1" -o json | python3 -c '
import datetime, json, sys
pod, phase = json.load(sys.stdin), sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
code = 0 if phase == "Succeeded" else 1
pod["status"] = {"phase": phase, "startTime": now,
                 "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": now}],
                 "containerStatuses": [{"name": c["name"], "image": c.get("image", ""), "ready": False,
                                        "restartCount": 0,
                                        "state": {"terminated": {"exitCode": code, "startedAt": now,
                                                                 "finishedAt": now}}}
                                       for c in pod["spec"]["containers"]]}
print(json.dumps(pod))' "$2" >"$E2E_TMP/pod-status.json" &&
    k replace --raw "/api/v1/namespaces/default/pods/$1/status" -f "$E2E_TMP/pod-status.json" >/dev/null
}

# run_job <job> <Succeeded|Failed> <seconds>: plays the kubelet for the Job's bound pods until
# the Job has finished (or time runs out); prints the most pods seen running at once.
run_job() {
  local deadline=$((SECONDS + $3)) most=0 running
  while [ $SECONDS -lt $deadline ]; do
    [ -n "$(k get job "$1" -o jsonpath='{.status.conditions[?(@.status=="True")].type}')" ] && break
    running=$(k get pods -l "batch.kubernetes.io/job-name=$1" \
      -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase}{"\n"}{end}' |
      awk '$2 != "" && ($3 == "Pending" || $3 == "Running") {print $1}')
    local n
    n=$(echo "$running" | grep -c .)
    [ "$n" -gt "$most" ] && most=$n
    for pod in $running; do finish_pod "$pod" "$2"; done
    sleep 0.2
  done
  echo "$most"
}

# 1. completions 3, parallelism 2.
k create job calc --image=registry.example.com/calc:1 --dry-run=client -o json -- sh -c 'exit 0' |
  python3 -c '
import json, sys
job = json.load(sys.stdin)
job["spec"].update({"completions": 3, "parallelism": 2})
print(json.dumps(job))' | k create -f - >/dev/null
uid=$(k get job calc -o jsonpath='{.metadata.uid}')
expect_eq "the API generated the selector" "$uid" \
  "$(k get job calc -o jsonpath='{.spec.selector.matchLabels.batch\.kubernetes\.io/controller-uid}')"
expect_eq "Job defaults" "6 NonIndexed false" \
  "$(k get job calc -o jsonpath='{.spec.backoffLimit} {.spec.completionMode} {.spec.suspend}')"
expect_eq "the Job carries its template's labels" "calc" \
  "$(k get job calc -o jsonpath='{.metadata.labels.job-name}')"
wait_for 30 jsonpath_is 2 job calc -o jsonpath='{.status.active}' || fail "job calc did not start 2 pods"
expect_eq "pods are owned by the Job" "Job/calc/$uid" \
  "$(k get pods -l batch.kubernetes.io/controller-uid="$uid" \
       -o jsonpath='{.items[0].metadata.ownerReferences[0].kind}/{.items[0].metadata.ownerReferences[0].name}/{.items[0].metadata.ownerReferences[0].uid}')"
most=$(run_job calc Succeeded 60)
expect_eq "never more than parallelism pods at once" "yes" "$([ "$most" -le 2 ] && echo yes)"
expect_contains "kubectl wait for complete" "condition met" \
  "$(k wait --for=condition=complete job/calc --timeout=30s 2>&1)"
expect_eq "status" "3 CompletionsReached" \
  "$(k get job calc -o jsonpath='{.status.succeeded} {.status.conditions[?(@.type=="Complete")].reason}')"
expect_contains "kubectl get job" "3/3" "$(k get job calc --no-headers)"
expect_contains "completionTime is set" "Z" "$(k get job calc -o jsonpath='{.status.completionTime}')"
expect_eq "three succeeded pods" "3" \
  "$(k get pods -l job-name=calc --field-selector=status.phase=Succeeded --no-headers | wc -l | tr -d ' ')"
expect_contains "events" "Created pod: calc-" \
  "$(k get events --field-selector involvedObject.name=calc,reason=SuccessfulCreate -o jsonpath='{.items[*].message}')"

# An Indexed Job: each index runs once, its pods named and labelled by index.
cat <<'YAML' | k create -f - >/dev/null
apiVersion: batch/v1
kind: Job
metadata: {name: shards}
spec:
  completions: 2
  parallelism: 2
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: registry.example.com/shard:1}]
YAML
wait_for 30 jsonpath_is 2 job shards -o jsonpath='{.status.active}' || fail "job shards did not start 2 pods"
expect_eq "one pod per index" "0 1" \
  "$(k get pods -l job-name=shards -o jsonpath='{.items[*].metadata.labels.batch\.kubernetes\.io/job-completion-index}' | tr ' ' '\n' | sort | xargs)"
run_job shards Succeeded 60 >/dev/null
expect_contains "the Indexed Job completes" "condition met" \
  "$(k wait --for=condition=complete job/shards --timeout=30s 2>&1)"
expect_eq "completedIndexes" "0-1" "$(k get job shards -o jsonpath='{.status.completedIndexes}')"

# 2. failing pods exceed backoffLimit 1 (the second pod waits out the 10 s back-off).
cat <<'YAML' | k create -f - >/dev/null
apiVersion: batch/v1
kind: Job
metadata: {name: flaky}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: registry.example.com/flaky:1}]
YAML
run_job flaky Failed 60 >/dev/null
expect_contains "kubectl wait for failed" "condition met" \
  "$(k wait --for=condition=failed job/flaky --timeout=30s 2>&1)"
expect_eq "reason and failures" "BackoffLimitExceeded 2" \
  "$(k get job flaky -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason} {.status.failed}')"
expect_contains "BackoffLimitExceeded event" "Job has reached the specified backoff limit" \
  "$(k get events --field-selector involvedObject.name=flaky,reason=BackoffLimitExceeded -o jsonpath='{.items[*].message}')"

# 3. CronJobs: every minute, in UTC and in Asia/Kolkata.
k create cronjob tick --image=registry.example.com/tick:1 --schedule='*/1 * * * *' >/dev/null
cat <<'YAML' | k create -f - >/dev/null
apiVersion: batch/v1
kind: CronJob
metadata: {name: tock}
spec:
  schedule: "* * * * *"
  timeZone: Asia/Kolkata
  jobTemplate:
    metadata: {labels: {made-by: tock}}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: registry.example.com/tock:1}]
YAML
expect_eq "CronJob defaults" "Allow 3 1" \
  "$(k get cronjob tick -o jsonpath='{.spec.concurrencyPolicy} {.spec.successfulJobsHistoryLimit} {.spec.failedJobsHistoryLimit}')"
expect_contains "tick started a Job" "condition met" \
  "$(k wait --for=jsonpath='{.status.active[0].kind}'=Job cronjob/tick --timeout=75s 2>&1)"
job=$(k get cronjob tick -o jsonpath='{.status.active[0].name}')
last=$(k get cronjob tick -o jsonpath='{.status.lastScheduleTime}')
expect_eq "the Job is named after the scheduled minute" "tick-$(($(date -u -d "$last" +%s) / 60))" "$job"
expect_eq "scheduled at a whole minute" "00" "$(date -u -d "$last" +%S)"
expect_eq "scheduled-timestamp annotation" "$last" \
  "$(k get job "$job" -o jsonpath='{.metadata.annotations.batch\.kubernetes\.io/cronjob-scheduled-timestamp}')"
expect_eq "owned by the CronJob" "CronJob/tick" \
  "$(k get job "$job" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}')"
wait_for 30 has_output k get pods -l job-name="$job" -o name || fail "no pod for $job"
expect_contains "tock started a Job" "condition met" \
  "$(k wait --for=jsonpath='{.status.active[0].kind}'=Job cronjob/tock --timeout=75s 2>&1)"
tock_job=$(k get cronjob tock -o jsonpath='{.status.active[0].name}')
expect_contains "the annotation is in the CronJob's time zone" "+05:30" \
  "$(k get job "$tock_job" -o jsonpath='{.metadata.annotations.batch\.kubernetes\.io/cronjob-scheduled-timestamp}')"
expect_eq "the template's labels" "tock" "$(k get job "$tock_job" -o jsonpath='{.metadata.labels.made-by}')"

# 4. A Job by hand from the CronJob's template.
expect_contains "create job --from" "job.batch/manual created" \
  "$(k create job manual --from=cronjob/tick 2>&1)"
wait_for 30 has_output k get pods -l job-name=manual -o name || fail "no pod for job manual"
run_job manual Succeeded 60 >/dev/null
expect_contains "the manual Job completes" "condition met" \
  "$(k wait --for=condition=complete job/manual --timeout=30s 2>&1)"

# 5. Schedules and time zones the controller cannot use.
cat <<'YAML' | k create -f - >/dev/null
apiVersion: batch/v1
kind: CronJob
metadata: {name: bad-schedule}
spec:
  schedule: "*/1 * * *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: bad-zone}
spec:
  schedule: "* * * * *"
  timeZone: Mars/Olympus_Mons
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}}}
YAML
events_of() {
  k get events --field-selector "involvedObject.name=$1,reason=$2" -o jsonpath='{.items[*].message}'
}
wait_for 30 has_output events_of bad-schedule UnparseableSchedule || fail "no UnparseableSchedule event"
expect_eq "UnparseableSchedule" \
  'unparseable schedule: "*/1 * * *" : expected exactly 5 fields, found 4: [*/1 * * *]' \
  "$(events_of bad-schedule UnparseableSchedule)"
wait_for 30 has_output events_of bad-zone UnknownTimeZone || fail "no UnknownTimeZone event"
expect_eq "UnknownTimeZone" 'invalid timeZone: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons' \
  "$(events_of bad-zone UnknownTimeZone)"
expect_eq "nothing scheduled for them" "" \
  "$(k get cronjob bad-schedule bad-zone -o jsonpath='{.items[*].status.lastScheduleTime}')"

# 6. Deleting a CronJob collects its Jobs and their pods.
k delete cronjob tick >/dev/null
wait_for 30 no_output k get jobs -o jsonpath='{.items[?(@.metadata.ownerReferences[0].name=="tick")].metadata.name}' ||
  fail "tick's Jobs were not collected"
wait_for 30 no_output k get pods -l job-name="$job" -o name || fail "the pods of $job were not collected"

finish
