# roost pull through a fault-injecting proxy (faultproxy.py) in front of a
# real registry: transient failures are retried with backoff, lasting ones
# end in a clear error, and client errors are not retried.

# shellcheck source=registry.sh
source "${BASH_SOURCE[0]%/*}/registry.sh"

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  start_registry
  push_fixture "oci:$FIXTURES/multilayer-oci:latest" multi:1
}

teardown() {
  stop_registry
}

# pull_through_faults MODE WARNING: two failures for every blob, then the
# pull works, having warned before each retry (WARNING: a regex matching the
# warning of every one).
pull_through_faults() {
  start_proxy "$1" 2
  run_roost 0 pull --tls-verify=false "$PROXY/multi:1"
  is "$(tail -n 1 <<<"$stdout")" "$MULTILAYER_ID" "the image arrived whole"
  is "$(grep -c 'retrying in' <<<"$stderr")" "$(grep -cE "$2" <<<"$stderr")" "every warning as expected"
  # curl itself tries a reused connection found dead once more, so a reset
  # may pass without a warning; an HTTP status never does.
  local warnings
  warnings=$(grep -c 'retrying in' <<<"$stderr")
  [[ $1 == *reset ]] || is "$warnings" 8 "a warning before each retry"
  ((warnings > 0)) || fail "no warning about a retry"
  # Config and three layers, each spoiled twice.
  is "$(grep -c '^spoiled ' "$TEST_TMP/proxy.log")" 8 "every blob failed twice first"
  run_roost 0 run --rm "$PROXY/multi:1" cat /data/keep
}

test_pull_retries_after_503() {
  pull_through_faults 503 "failed \(HTTP status 503\), retrying in (500 ms \(1|1000 ms \(2)/3\)"
}

test_pull_retries_after_429_honouring_retry_after() {
  # Retry-After: 1 each time, where the backoff alone would wait 500 ms first.
  pull_through_faults 429 "failed \(HTTP status 429\), retrying in 1000 ms \([12]/3\)"
}

test_pull_retries_after_a_reset_connection() {
  pull_through_faults reset "retrying in"
}

test_pull_resumes_a_blob_cut_off_midway() {
  pull_through_faults midreset "retrying in"
  is "$(ls "$(graph_root)/layers" | wc -l)" 3 "three layers stored once"
}

# kill -9 while a layer is half downloaded: nothing is committed, and the next
# pull sweeps the abandoned staging area and stores the image whole.
test_pull_killed_mid_layer_restarts_cleanly() {
  push_fixture "oci:$FIXTURES/busybox-oci:latest" bb:1
  start_proxy stall 1
  roost pull --tls-verify=false "$PROXY/bb:1" >"$TEST_TMP/pull.out" 2>&1 &
  local bg=$! i
  for ((i = 0; i < 200; i++)); do
    grep -q '^spoiled ' "$TEST_TMP/proxy.log" && break
    sleep 0.1
  done
  grep -q '^spoiled ' "$TEST_TMP/proxy.log" || fail "the pull never reached a layer: $(cat "$TEST_TMP/pull.out")"
  [[ -n $(ls -A "$(graph_root)/staging") ]] || fail "the half-downloaded layer is not being staged"
  pkill -KILL -f -- "pull --tls-verify=false $PROXY/bb:1" || fail "no roost pull to kill"
  wait "$bg"
  run_roost 0 images -q
  is "$stdout" "" "nothing committed by the killed pull"
  run_roost 0 pull -q --tls-verify=false "$PROXY/bb:1"
  is "$stdout" "$BUSYBOX_ID" "the next pull stores the image"
  is "$(ls -A "$(graph_root)/staging")" "" "the abandoned staging area is gone"
  run_roost 0 run --rm "$PROXY/bb:1" true
}

test_pull_gives_up_on_lasting_failures() {
  start_proxy 503 -1
  run_roost 125 pull --tls-verify=false "$PROXY/multi:1"
  is "$(grep -vc '^WARN\|^Trying\|^Getting\|^Copying\|retrying' <<<"$stderr")" 1 "one line of error"
  local error
  error=$(tail -n 1 <<<"$stderr")
  assert_match "$error" "^Error: .*multi.*HTTP status 503" "the last line says what failed"
  run_roost 0 images -q
  is "$stdout" "" "nothing stored"
  is "$(ls "$(graph_root)/layers" 2>/dev/null | wc -l)" 0 "no layer left behind"
}

# Each layer downloads on a thread of its own: one layer that fails for good
# must stop the others, here stalled midway with the connection open, and
# the pull must end with that layer's error, leaving nothing behind.
test_pull_failed_layer_cancels_stalled_ones() {
  local layers missing
  layers=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/multi:1" | jq -r '.layers[].digest')
  missing=$(sed -n 2p <<<"$layers")
  start_proxy stall -1 --missing "$missing"
  ROOST_CMD_TIMEOUT=60 run_roost 125 pull --tls-verify=false "$PROXY/multi:1"
  assert_match "$(tail -n 1 <<<"$stderr")" "^Error: .*layer 2.*$missing.*HTTP status 404" "the missing layer's error"
  grep -q '^spoiled ' "$TEST_TMP/proxy.log" || fail "no layer was stalled: $(cat "$TEST_TMP/proxy.log")"
  run_roost 0 images -q
  is "$stdout" "" "nothing stored"
  is "$(ls "$(graph_root)/layers" 2>/dev/null | wc -l)" 0 "no layer left behind"
  is "$(ls -A "$(graph_root)/staging" 2>/dev/null)" "" "no staging area left behind"
}

test_pull_does_not_retry_client_errors() {
  start_proxy 503 -1
  run_roost 125 pull --tls-verify=false "$PROXY/multi:no-such-tag"
  assert_contains "$output" "manifest unknown"
  assert_not_contains "$output" "retrying"
}
