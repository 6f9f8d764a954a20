# Health checks: --health-* on run and create, `roost healthcheck run`, the
# state in inspect and ps, and the periodic checks of a detached
# container's monitor.

setup() {
  # shellcheck source=/dev/null
  source "$FIXTURES/fixtures.env"
  run_roost 0 load -i "$FIXTURES/busybox-docker-archive.tar"
}

teardown() {
  roost rm -f -a >/dev/null 2>&1
}

# Waits (up to 20 s) until the container's health status is $2.
wait_for_health() {
  local i s
  for ((i = 0; i < 200; i++)); do
    s=$(roost inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null)
    [[ $s == "$2" ]] && return 0
    sleep 0.1
  done
  fail "container $1 never became $2 (last: $s)"
}

# The PIDs of this test's `healthcheck run` processes.
check_pids() {
  store_pids "healthcheck run"
}

test_manual_checks_and_the_state() {
  run_roost 0 run -d --name h1 --health-cmd 'test -e /tmp/ok' --health-interval disable --health-retries 2 \
    busybox sleep 1000
  run_roost 0 inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{json .Config.Healthcheck.Test}}' h1
  is "$stdout" 'starting 0 ["CMD-SHELL","test -e /tmp/ok"]' "a fresh container is starting"
  run_roost 0 ps --format '{{.Names}} {{.Status}}'
  assert_match "$stdout" '^h1 Up .* \(starting\)$' "ps shows the health"

  run_roost 1 healthcheck run h1
  is "$stdout" "starting" "one failure of two retries: still starting, exit 1"
  run_roost 1 container healthcheck run h1
  is "$stdout" "unhealthy" "two failures: unhealthy"
  run_roost 0 exec h1 touch /tmp/ok
  run_roost 0 healthcheck run h1
  is "$output" "" "healthy: silent, exit 0"
  run_roost 0 ps --format '{{.Status}}'
  assert_match "$stdout" '\(healthy\)$'
  run_roost 0 inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{len .State.Health.Log}} {{(index .State.Health.Log 2).ExitCode}} {{(index .State.Health.Log 0).ExitCode}} {{.State.Healthcheck.Status}}' h1
  is "$stdout" "healthy 0 3 0 1 healthy" "the streak reset, three results logged"

  run_roost 0 events --stream=false --filter event=health_status --format '{{.HealthStatus}}'
  is "$stdout" "$(printf 'starting\nunhealthy\nhealthy')" "a health_status event per check"
  run_roost 0 events --stream=false --filter container=h1 --filter event=exec --format '{{.Status}}'
  is "$stdout" "exec" "checks are not exec events: only roost exec's"
  run_roost 0 events --stream=false --filter event=health_status --format json
  assert_contains "$(tail -1 <<<"$stdout")" '"HealthStatus":"healthy"'
}

test_output_is_logged_and_only_five_kept() {
  run_roost 0 run -d --name h2 --health-cmd '["CMD", "echo", "checked"]' --health-interval disable busybox sleep 1000
  local i
  for i in 1 2 3 4 5 6 7; do run_roost 0 healthcheck run h2; done
  run_roost 0 inspect --format '{{len .State.Health.Log}} {{json (index .State.Health.Log 4).Output}}' h2
  is "$stdout" '5 "checked\n"' "the last five results, with their output"
  run_roost 0 inspect --format '{{json .Config.Healthcheck}}' h2
  is "$stdout" '{"Interval":0,"Retries":3,"Test":["CMD","echo","checked"],"Timeout":30000000000}' "the config as podman shows it"
}

test_the_monitor_checks_every_interval() {
  run_roost 0 run -d --name h3 --health-cmd 'cat /tmp/ok' --health-interval 1s --health-retries 1 \
    busybox sh -c 'echo hi > /tmp/ok; exec sleep 1000'
  wait_for_health h3 healthy
  run_roost 0 inspect --format '{{(index .State.Health.Log 0).Output}}' h3
  is "$stdout" "hi" "the check's output"
  run_roost 0 exec h3 rm /tmp/ok
  wait_for_health h3 unhealthy
  run_roost 0 exec h3 sh -c 'echo back > /tmp/ok'
  wait_for_health h3 healthy
  run_roost 0 stop -t 0 h3
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -z $(check_pids) && -z $(monitor_pids) ]] && break
    sleep 0.1
  done
  is "$(check_pids)$(monitor_pids)" "" "no check and no monitor left once stopped"
  run_roost 0 ps -a --format '{{.Status}}'
  assert_not_contains "$stdout" "healthy" "a stopped container shows no health"
}

test_a_check_that_hangs_is_killed_at_its_timeout() {
  run_roost 0 run -d --name h4 --health-cmd 'sleep 600' --health-timeout 1s --health-interval disable \
    --health-retries 1 busybox sleep 1000
  run_roost 1 healthcheck run h4
  is "$stdout" "unhealthy" "a timeout is a failure"
  run_roost 0 inspect --format '{{(index .State.Health.Log 0).ExitCode}} {{(index .State.Health.Log 0).Output}}' h4
  is "$stdout" "-1 healthcheck command exceeded timeout of 1s" "podman's result for a timeout"
  run_roost 0 exec h4 ps -o args
  assert_not_contains "$stdout" "sleep 600" "the check's process was killed"
}

test_create_flags_and_no_healthcheck() {
  run_roost 0 create --name c1 --health-cmd '["CMD","true"]' --health-interval 2m --health-timeout 5s \
    --health-start-period 10s --health-retries 7 busybox
  run_roost 0 inspect --format '{{json .Config.Healthcheck}}' c1
  is "$stdout" '{"Interval":120000000000,"Retries":7,"StartPeriod":10000000000,"Test":["CMD","true"],"Timeout":5000000000}'
  run_roost 125 healthcheck run c1
  assert_contains "$stderr" "is not running" "a container that is not running"
  run_roost 0 create --name c2 --no-healthcheck busybox
  run_roost 0 inspect c2
  is "$(jq -c '[.[0].Config.Healthcheck, .[0].State.Health]' <<<"$stdout")" "[null,null]" "--no-healthcheck: none"
  run_roost 125 healthcheck run c2
  assert_contains "$stderr" "container c2 has no defined healthcheck"
  run_roost 125 healthcheck run nosuch
  assert_contains "$stderr" "no such container"
}

test_flag_errors() {
  run_roost 125 create --health-cmd true --health-interval soon busybox
  assert_contains "$stderr" 'invalid --health-interval "soon"'
  run_roost 125 create --health-cmd true --health-timeout 10ms busybox
  assert_contains "$stderr" "--health-timeout must be at least 1 second"
  run_roost 125 create --health-cmd true --health-retries 0 busybox
  assert_contains "$stderr" "--health-retries must be greater than 0"
  run_roost 125 create --health-cmd true --no-healthcheck busybox
  assert_contains "$stderr" "cannot specify both --no-healthcheck and --health-cmd"
  run_roost 125 create --health-cmd '["CMD"]' busybox
  assert_contains "$stderr" "CMD needs a command"
  run_roost 0 ps -a -q
  is "$stdout" "" "nothing created"
}
