# The command line itself: version, help, unknown commands and flags.

test_version() {
  run_roost 0 --version
  assert_match "$output" '^roost version [0-9]+\.[0-9]+\.[0-9]+$'
  local v=${output##* }
  run_roost 0 version
  assert_match "$(head -n1 <<<"$output")" "^Version: +$v\$"
  assert_match "$output" "OS/Arch: +linux/"
  run_roost 0 version --format '{{.Client.Version}}'
  is "$output" "$v" "the template and --version agree"
  run_roost 0 system version --format json
  is "$(jq -r .Client.Os <<<"$output")" linux
}

test_help_lists_commands() {
  run_roost 0 --help
  assert_contains "$output" "Usage:"
  assert_contains "$output" "Available Commands:"
  local verb
  for verb in images import info inspect load rmi system tag unshare; do
    assert_match "$output" $'\n'"  $verb +[A-Z]" "help lists $verb"
  done
}

test_command_help() {
  run_roost 0 images --help
  assert_contains "$output" "roost images [options]"
  assert_contains "$output" "--no-trunc"
  run_roost 0 image inspect --help
  assert_contains "$output" "roost image inspect [options]"
}

test_unknown_command() {
  run_roost 125 frobnicate
  assert_contains "$output" 'unrecognized command `roost frobnicate`'
  assert_contains "$output" "roost --help"
}

test_unknown_flag() {
  run_roost 125 images --bogus
  assert_contains "$output" "--bogus"
}

test_bad_storage_driver() {
  run_roost 125 --storage-driver btrfs images
  assert_contains "$output" 'unknown storage driver "btrfs": use overlay, fuse-overlayfs or vfs'
}

test_storage_conf_chooses_the_driver() {
  skip_if_mode root "root reads /etc/containers/storage.conf; the per-user file is tested rootless"
  mkdir -p "$XDG_CONFIG_HOME/containers"
  printf '[storage]\ndriver = "vfs"\n' >"$XDG_CONFIG_HOME/containers/storage.conf"
  run_roost 0 info --format json
  is "$(jq -r .store.graphDriverName <<<"$stdout")" vfs "storage.conf's driver is used"
  printf '[storage]\ndriver = vfs\n' >"$XDG_CONFIG_HOME/containers/storage.conf"
  run_roost 125 images
  assert_contains "$output" "$XDG_CONFIG_HOME/containers/storage.conf:2: driver must be a quoted string"
}

test_no_runtime_dir_falls_back_safely() {
  skip_if_mode root "root uses /run/roost"
  unset XDG_RUNTIME_DIR
  run_roost 0 images
  assert_contains "$output" "REPOSITORY"
  export XDG_RUNTIME_DIR=/
  run_roost 125 images
  assert_contains "$output" "XDG_RUNTIME_DIR=/ is not a directory owned by you"
}
